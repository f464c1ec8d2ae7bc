"""What `partnerbot outbox` and the metrics show of the outbox: waiting and failed rows, and its depth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import OutboxMessage
from domain.outbox import OPEN


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: str
    status: str
    attempts: int
    recipient: str
    created_at: dt.datetime
    not_before: dt.datetime
    last_error: str | None
    note: str | None = None


async def list_entries(session: AsyncSession, *, failed_only: bool, limit: int = 200) -> list[OutboxEntry]:
    from domain.models import Person

    query = (
        select(OutboxMessage, Person.email)
        .outerjoin(Person, Person.id == OutboxMessage.person_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    query = (
        query.where(OutboxMessage.status == "failed")
        if failed_only
        else query.where(OutboxMessage.status.in_((*OPEN, "failed")))
    )
    out = []
    for row, email in (await session.execute(query)).all():
        recipient = email or f"{row.platform}:{row.chat_id}"
        out.append(
            OutboxEntry(
                row.id,
                row.kind,
                row.status,
                row.attempts,
                recipient,
                row.created_at,
                row.not_before,
                row.last_error,
                row.note,
            )
        )
    return out


async def depth(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(OutboxMessage.status.in_(OPEN))) or 0)
