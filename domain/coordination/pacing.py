"""A pacing schedule kept in the database, so that every process of an installation takes its slot
from the same schedule (four senders together stay under one platform limit).

A reservation locks the rows of its keys in key order (no two reservations deadlock), takes the
latest of their next free instants and moves each one on by its own interval, in one transaction.
On PostgreSQL that transaction is a single statement (`reserve_in_one_statement`): the rows are
locked only while it runs, so reservations from every process together keep up with any platform
limit (one per message; a transaction of several round trips held each key's lock far longer).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.coordination.models import PaceSlot


async def _ensure_rows(session: AsyncSession, keys: Sequence[str]) -> None:
    """Create missing rows; on SQLite this also takes the write lock before anything is read."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PaceSlot).values([{"key": key, "next_free": 0.0} for key in keys])
    await session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


async def reserve(session: AsyncSession, limits: Sequence[tuple[str, float]], now: float) -> float:
    """Reserve the earliest instant every key allows (never before `now`); returns that instant."""
    intervals = dict(sorted(limits))
    if not intervals:
        return now
    keys = list(intervals)
    await _ensure_rows(session, keys)
    rows = await session.execute(
        select(PaceSlot.key, PaceSlot.next_free).where(PaceSlot.key.in_(keys)).order_by(PaceSlot.key).with_for_update()
    )
    start = max([now, *(next_free for _key, next_free in rows)])
    for key, interval in intervals.items():
        await session.execute(update(PaceSlot).where(PaceSlot.key == key).values(next_free=start + interval))
    return start


async def push_back(session: AsyncSession, key: str, until: float) -> None:
    """No call under `key` before `until` (the platform said to wait)."""
    await _ensure_rows(session, [key])
    slot = await session.get(PaceSlot, key, with_for_update=True)
    if slot is not None and slot.next_free < until:
        slot.next_free = until


_RESERVE = text(
    """
    WITH wanted(key, step) AS (SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:steps AS float8[]))),
    locked AS (
        SELECT s.key, s.next_free FROM pace_slots AS s JOIN wanted AS w ON w.key = s.key
        ORDER BY s.key FOR UPDATE OF s
    ),
    start AS (SELECT GREATEST(CAST(:now AS float8), COALESCE(MAX(next_free), 0)) AS at FROM locked)
    UPDATE pace_slots AS p SET next_free = start.at + wanted.step
    FROM start, wanted WHERE p.key = wanted.key
    RETURNING start.at
    """
)


async def reserve_in_one_statement(
    connection: AsyncConnection, limits: Sequence[tuple[str, float]], now: float, *, known: set[str] | None = None
) -> float:
    """`reserve` as one statement on a PostgreSQL connection in autocommit.

    Rows must exist before the statement runs (a statement that found only some of its keys would
    already have moved those on): keys not in `known` are created first, and added to it."""
    intervals = dict(sorted(limits))
    if not intervals:
        return now
    new = [key for key in intervals if known is None or key not in known]
    if new:
        await connection.execute(
            pg_insert(PaceSlot)
            .values([{"key": key, "next_free": 0.0} for key in new])
            .on_conflict_do_nothing(index_elements=["key"])
        )
        if known is not None:
            known.update(new)
    parameters = {"keys": list(intervals), "steps": list(intervals.values()), "now": now}
    starts = (await connection.execute(_RESERVE, parameters)).scalars().all()
    return float(starts[0])
