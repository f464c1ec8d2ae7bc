"""Housekeeping sweeps: drop state that has served its purpose, so tables stay the size of what is live."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from domain.models import ConversationState, ProcessedUpdate
from domain.sweeps import Sweep, SweepContext

# Messengers redeliver an update for an hour or keep it for a day at most; a week is far beyond any redelivery.
PROCESSED_UPDATES_KEPT = dt.timedelta(days=7)


async def drop_expired_forms(ctx: SweepContext) -> int:
    """Half-filled forms nobody touched for a day, so a stale form never captures later messages."""
    async with ctx.uow() as uow:
        result = await uow.session.execute(delete(ConversationState).where(ConversationState.expires_at <= ctx.at))
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_old_updates(ctx: SweepContext) -> int:
    """Update ids recorded for de-duplication, once no platform can redeliver them."""
    async with ctx.uow() as uow:
        result = await uow.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at <= ctx.at - PROCESSED_UPDATES_KEPT)
        )
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


SWEEPS = (Sweep("forms_expired", drop_expired_forms), Sweep("processed_updates_forgotten", forget_old_updates))
