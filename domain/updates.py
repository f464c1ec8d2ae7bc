"""Each incoming update once: platform update ids recorded under a unique key before any work.

A repeat (a platform's retry, the same update reaching another worker) is recognised by the
database, not by memory, so it holds across restarts and workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import UowFactory
from domain.models import ProcessedUpdate
from domain.outbox import dialect_insert
from domain.people import PersonView, by_identities


async def first_deliveries(uow: UowFactory, platform: str, update_ids: Iterable[str], now: dt.datetime) -> set[str]:
    """Record these update ids; returns those never recorded before (each is handled exactly once)."""
    keys = sorted({key[:100] for key in update_ids})
    if not keys:
        return set()
    async with uow() as work:
        fresh = await record(work.session, platform, keys, now)
        await work.commit()
    return fresh


async def first_deliveries_from(
    uow: UowFactory, platform: str, senders: Mapping[str, str | None], now: dt.datetime
) -> tuple[set[str], dict[str, PersonView]]:
    """`first_deliveries` for update ids mapped to the accounts that sent them, and who those people are.

    Every update needs both before anything else, so one unit of work does both: the people are read
    in the transaction that records the ids, instead of in a read transaction of each update's own.
    Only the senders of new updates are looked up (an update without one maps to None); an account not
    linked to anyone is left out.
    """
    keys = sorted({key[:100] for key in senders})
    if not keys:
        return set(), {}
    async with uow() as work:
        fresh = await record(work.session, platform, keys, now)
        accounts = {account for key, account in senders.items() if account and key[:100] in fresh}
        people = await by_identities(work.session, platform, accounts)
        await work.commit()
    return fresh, people


async def record(session: AsyncSession, platform: str, keys: list[str], now: dt.datetime) -> set[str]:
    """Record these update ids in the caller's transaction; those never recorded before."""
    stmt = (
        dialect_insert(session)(ProcessedUpdate)
        .values([{"platform": platform, "update_id": key, "received_at": now} for key in keys])
        .on_conflict_do_nothing(index_elements=["platform", "update_id"])
        .returning(ProcessedUpdate.update_id)
    )
    return {str(row[0]) for row in await session.execute(stmt)}
