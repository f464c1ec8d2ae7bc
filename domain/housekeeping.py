"""Drop half-filled forms nobody touched for a day, so a stale form never captures later messages."""

from __future__ import annotations

from sqlalchemy import delete

from domain.models import ConversationState
from domain.sweeps import Sweep, SweepContext


async def drop_expired_forms(ctx: SweepContext) -> int:
    async with ctx.uow() as uow:
        result = await uow.session.execute(delete(ConversationState).where(ConversationState.expires_at <= ctx.at))
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


SWEEPS = (Sweep("forms_expired", drop_expired_forms),)
