"""Half-filled forms, one per (platform, chat, person), kept in the database so a restart loses none.

The dispatcher's form machine asks this service; it never opens a transaction itself. Looking for an
open form is a read, so the many messages sent with no form open never take SQLite's write lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from domain.db import UowFactory
from domain.models import ConversationState

FORM_TTL = dt.timedelta(hours=24)


@dataclass(frozen=True)
class ChatKey:
    platform: str
    chat_id: str
    person_id: int


@dataclass(frozen=True)
class FormState:
    """A snapshot of an open form: which one, at which step, the answers so far and its context."""

    form: str
    step: int
    values: dict[str, Any]
    context: dict[str, Any]
    updated_at: dt.datetime | None = None


def _where(key: ChatKey) -> Any:
    return (
        (ConversationState.platform == key.platform)
        & (ConversationState.chat_id == key.chat_id)
        & (ConversationState.person_id == key.person_id)
    )


class Conversations:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def current(self, key: ChatKey, now: dt.datetime) -> FormState | None:
        """The open form in this chat; one left longer than FORM_TTL is gone (and removed)."""
        async with self._uow.reader() as work:
            state = (await work.session.scalars(select(ConversationState).where(_where(key)))).first()
            if state is None:
                return None
            snapshot = FormState(state.form, state.step, dict(state.values), dict(state.context), state.updated_at)
            expired = state.expires_at <= now
        if expired:
            await self.drop(key)
            return None
        return snapshot

    async def start(
        self, key: ChatKey, form: str, *, prefill: dict[str, Any], context: dict[str, Any], now: dt.datetime
    ) -> None:
        """Open a form here, replacing any other one open in this chat."""
        async with self._uow() as work:
            await work.session.execute(delete(ConversationState).where(_where(key)))
            work.session.add(
                ConversationState(
                    platform=key.platform,
                    chat_id=key.chat_id,
                    person_id=key.person_id,
                    form=form,
                    step=0,
                    values={},
                    context={**context, "prefill": prefill},
                    expires_at=now + FORM_TTL,
                    updated_at=now,
                )
            )
            await work.commit()

    async def advance(
        self, key: ChatKey, values: dict[str, Any], step: int, now: dt.datetime, context: dict[str, Any] | None = None
    ) -> None:
        """Keep the answers so far and move to `step`; the form lives another FORM_TTL."""
        async with self._uow() as work:
            state = (await work.session.scalars(select(ConversationState).where(_where(key)))).first()
            if state is not None:
                state.values, state.step, state.updated_at = values, step, now
                state.expires_at = now + FORM_TTL
                if context is not None:
                    state.context = context
            await work.commit()

    async def drop(self, key: ChatKey) -> bool:
        """Close the form open here, if any; True when there was one. No form: no write at all."""
        async with self._uow.reader() as work:
            open_here = (await work.session.scalars(select(ConversationState.id).where(_where(key)))).first()
        if open_here is None:
            return False
        async with self._uow() as work:
            result = await work.session.execute(delete(ConversationState).where(_where(key)))
            await work.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
