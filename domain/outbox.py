"""The notification outbox: pushes written in the caller's transaction, claimed by senders.

A row names what to say (`kind` + `payload`, rendered in the recipient's language at send time) and to
whom (a person, or a fixed platform chat such as a CAM channel). `ref_key` names the message's identity:
when a message with the same `ref_key` was already shown in that chat, the sender edits it instead of
sending a new one, which is how "claimed" and "approved" reach every chat where an offer was shown.

Delivery states: `pending` → `sending` (committed BEFORE the platform call, with `sending_at`) → `sent`
(committed with the platform's message reference), or `skipped` / `failed`. A row found in `sending`
whose worker is gone was interrupted somewhere in the platform call; the sender resolves it without a
second visible message where the platform lets it tell (see `bot/sender.py`).

Order: one recipient's rows go out in order, but only among rows that are ready. A row deferred to
later (quiet hours, weekend, a retry time) never holds back an urgent row queued after it: the urgent
row goes first and both rows say so in `note` (shown by `partnerbot outbox`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import OUTBOX_QUEUED
from domain.models import OutboxMessage

MAX_ATTEMPTS = 8
IN_THREAD_OF = "in_thread_of"
"""A payload key: the ref key of a message shown earlier in the same chat; the push goes in its thread."""
LEASE = dt.timedelta(minutes=2)


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … capped at one hour: a flapping platform is not hammered."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def dialect_insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class Push:
    """One push to queue: what to say (`kind` + `payload`) and to whom, under an idempotency key."""

    key: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    platform: str | None = None
    chat_id: str | None = None
    ref_key: str | None = None
    edit_only: bool = False
    urgent: bool = False
    business_days_only: bool = False
    not_before: dt.datetime | None = None
    answer: bool = False

    def row(self, now: dt.datetime) -> dict[str, Any]:
        if self.person_id is None and (self.platform is None or self.chat_id is None):
            raise ValueError("a push needs a person or a platform chat")
        return {
            "idempotency_key": self.key,
            "kind": self.kind,
            "payload": self.payload,
            "person_id": self.person_id,
            "platform": self.platform,
            "chat_id": self.chat_id,
            "ref_key": self.ref_key,
            "edit_only": self.edit_only,
            "urgent": self.urgent,
            "respect_business_days": self.business_days_only,
            "answer": self.answer,
            "status": "pending",
            "attempts": 0,
            "not_before": self.not_before or now,
            "created_at": now,
        }


async def enqueue_many(session: AsyncSession, pushes: Sequence[Push], *, now: dt.datetime | None = None) -> int:
    """Queue many pushes in one statement (an offer wave, the "claimed" edits); returns how many were new.

    One multi-row INSERT instead of one per recipient keeps the transaction that causes a wave short,
    which is what every other claimant of a contested lead waits for.
    """
    if not pushes:
        return 0
    now = now or dt.datetime.now(dt.UTC)
    insert = dialect_insert(session)
    queued = 0
    for start in range(0, len(pushes), 500):  # stay far below SQLite's and asyncpg's parameter limits
        rows = [p.row(now) for p in pushes[start : start + 500]]
        stmt = insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["idempotency_key"])
        result = await session.execute(stmt)
        queued += int(result.rowcount or 0)  # type: ignore[attr-defined]
    if queued:
        session.info[OUTBOX_QUEUED] = True  # wakes this process's sender after the commit
    return queued


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    person_id: int | None = None,
    platform: str | None = None,
    chat_id: str | None = None,
    ref_key: str | None = None,
    edit_only: bool = False,
    urgent: bool = False,
    business_days_only: bool = False,
    not_before: dt.datetime | None = None,
    answer: bool = False,
    now: dt.datetime | None = None,
) -> bool:
    """Queue one push unless a push with this idempotency key exists; True when it was queued.

    `now` is the caller's clock (a sweep's instant, a handler's `deps.now()`), so pushes queued by
    `sweep --at T` are due as of T.
    """
    push = Push(
        key=key,
        kind=kind,
        payload=payload or {},
        person_id=person_id,
        platform=platform,
        chat_id=chat_id,
        ref_key=ref_key,
        edit_only=edit_only,
        urgent=urgent,
        business_days_only=business_days_only,
        not_before=not_before,
        answer=answer,
    )
    return await enqueue_many(session, [push], now=now) == 1


def _target(row: OutboxMessage) -> tuple[Any, ...]:
    return (row.person_id,) if row.person_id is not None else (row.platform, row.chat_id)


OPEN = ("pending", "sending")


async def claim_due(
    session: AsyncSession,
    *,
    worker: str,
    now: dt.datetime,
    limit: int = 200,
    platforms: Sequence[str] | None = None,
    person_id: int | None = None,
) -> list[OutboxMessage]:
    """Lease due rows to this worker, keeping each recipient's ready rows in order across workers.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several senders take disjoint rows; on SQLite the
    transaction is the single writer. A row is only taken when no earlier ready row of the same
    recipient is left behind (leased by another worker, or beyond this batch), so one chat never sees
    its ready messages out of order. An earlier row that is not ready (deferred) holds back later
    ordinary rows, but never an urgent one: that one goes ahead, and both rows note it.
    A row still in `sending` whose lease has ended was interrupted; it is due again like a pending one.
    """
    due = and_(
        OutboxMessage.status.in_(OPEN),
        OutboxMessage.not_before <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )
    query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
    if person_id is not None:
        query = query.where(OutboxMessage.person_id == person_id)
    if platforms is not None:
        query = query.where(or_(OutboxMessage.platform.in_(platforms), OutboxMessage.platform.is_(None)))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    if not rows:
        return []
    ids = {r.id for r in rows}
    # Every open row of these people up to the last candidate: what a candidate may have to wait for.
    people = {r.person_id for r in rows if r.person_id is not None}
    earlier: dict[Any, list[tuple[int, bool]]] = {}
    if people:
        last = max(ids)
        others = await session.execute(
            select(OutboxMessage.person_id, OutboxMessage.id, OutboxMessage.not_before)
            .where(OutboxMessage.status.in_(OPEN), OutboxMessage.person_id.in_(people), OutboxMessage.id <= last)
            .order_by(OutboxMessage.id)
        )
        for pid, row_id, not_before in others.all():
            if row_id not in ids:
                earlier.setdefault((pid,), []).append((row_id, not_before <= now))
    taken: list[OutboxMessage] = []
    blocked: set[tuple[Any, ...]] = set()
    held: dict[tuple[Any, ...], list[int]] = {}
    passed: dict[int, list[int]] = {}
    for row in rows:
        target = _target(row)
        if target in blocked:
            continue
        before = [(i, ready) for i, ready in earlier.get(target, []) if i < row.id]
        if any(ready for _i, ready in before):
            # An earlier ready row is in flight elsewhere: this row and every later one wait for it.
            blocked.add(target)
            continue
        waiting = [i for i, _ready in before] + held.get(target, [])
        if waiting and not row.urgent:
            held.setdefault(target, []).append(row.id)  # behind a deferred row, and so deferred itself
            continue
        if waiting:
            passed[row.id] = sorted(waiting)
        taken.append(row)
    if taken:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in taken]))
            .values(claimed_by=worker, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    for row in taken:
        deferred = passed.get(row.id)
        if not deferred:
            continue
        ahead = ", ".join(f"#{i}" for i in deferred)
        row.note = f"urgent: went ahead of deferred {ahead}"
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(note=row.note)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(deferred))
            .values(note=f"deferred; urgent #{row.id} ({row.kind}) went ahead")
            .execution_options(synchronize_session=False)
        )
    return taken


async def begin_sending(session: AsyncSession, row_id: int, worker: str, now: dt.datetime) -> bool:
    """Record the intent to call the platform; False when this worker no longer holds the row.

    Committed before the call, so a crash during it leaves the row in `sending`: the next sender
    knows the platform may have it already.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker, OutboxMessage.status.in_(OPEN))
        .values(status="sending", sending_at=now, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def lease_holders(session: AsyncSession, now: dt.datetime) -> list[str]:
    """The workers that hold an unexpired lease on an open row."""
    query = (
        select(OutboxMessage.claimed_by)
        .where(
            OutboxMessage.status.in_(OPEN),
            OutboxMessage.claimed_until >= now,
            OutboxMessage.claimed_by.is_not(None),
        )
        .distinct()
    )
    return [w for w in (await session.scalars(query)).all() if w]


async def free_leases(session: AsyncSession, workers: Sequence[str]) -> int:
    """End the leases of workers known to be dead: their rows are due at once, not after `LEASE`."""
    if not workers:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by.in_(list(workers)), OutboxMessage.status.in_(OPEN))
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release(session: AsyncSession, row_ids: Sequence[int]) -> None:
    """Give leased rows back without trying them, so another round takes them in order."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(row_ids))
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def mark_sent(session: AsyncSession, row_id: int, now: dt.datetime, platform: str | None = None) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="sent", sent_at=now, claimed_until=None, last_error=None, delivered_on=platform)
        .execution_options(synchronize_session=False)
    )


async def mark_skipped(session: AsyncSession, row_id: int, now: dt.datetime, reason: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="skipped", sent_at=now, claimed_until=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )


async def postpone(
    session: AsyncSession,
    row_id: int,
    until: dt.datetime,
    *,
    error: str | None = None,
    count: bool,
    in_doubt: bool | None = None,
) -> str:
    """Try again later; a row that keeps failing is parked as `failed` for an operator to see.

    `in_doubt`: the platform may already have this message (an interrupted send), so it stays in
    `sending` for the next try to resolve; None keeps whatever the row says.
    """
    row = await session.get(OutboxMessage, row_id, populate_existing=True)
    assert row is not None
    attempts = row.attempts + (1 if count else 0)
    doubt = row.status == "sending" if in_doubt is None else in_doubt
    status = "failed" if attempts >= MAX_ATTEMPTS else ("sending" if doubt else "pending")
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(attempts=attempts, not_before=until, claimed_until=None, last_error=error, status=status)
        .execution_options(synchronize_session=False)
    )
    return status


async def fail(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="failed", claimed_until=None, last_error=error)
        .execution_options(synchronize_session=False)
    )


async def retry(session: AsyncSession, row_id: int, now: dt.datetime) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, not_before=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
