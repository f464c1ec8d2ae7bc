"""Each incoming update once: platform update ids recorded under a unique key before any work.

A repeat (a platform's retry, the same update reaching another worker) is recognised by the
database, not by memory, so it holds across restarts and workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from domain.db import UowFactory
from domain.models import ProcessedUpdate
from domain.outbox import dialect_insert


async def first_deliveries(uow: UowFactory, platform: str, update_ids: Iterable[str], now: dt.datetime) -> set[str]:
    """Record these update ids; returns those never recorded before (each is handled exactly once)."""
    keys = sorted({key[:100] for key in update_ids})
    if not keys:
        return set()
    async with uow() as work:
        stmt = (
            dialect_insert(work.session)(ProcessedUpdate)
            .values([{"platform": platform, "update_id": key, "received_at": now} for key in keys])
            .on_conflict_do_nothing(index_elements=["platform", "update_id"])
            .returning(ProcessedUpdate.update_id)
        )
        fresh = {str(row[0]) for row in await work.session.execute(stmt)}
        await work.commit()
    return fresh
