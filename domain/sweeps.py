"""Sweeps: due work found by indexed queries as of one instant (ARCHITECTURE.md, "Sweeps, not timers").

The scheduler and `partnerbot sweep --at T` call the same `run_sweeps`. Each sweep changes state and
queues pushes with idempotency keys in one transaction, so running it twice for one instant sends
nothing twice, and a run after downtime simply finds more work due.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from domain.calendar import BusinessCalendar
from domain.db import UowFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepContext:
    at: dt.datetime
    uow: UowFactory
    calendar: BusinessCalendar


SweepFn = Callable[[SweepContext], Awaitable[int]]


@dataclass(frozen=True)
class Sweep:
    name: str
    run: SweepFn


async def run_sweeps(sweeps: Sequence[Sweep], ctx: SweepContext) -> dict[str, int]:
    """Run every sweep; one failing sweep is logged and does not stop the others."""
    counts: dict[str, int] = {}
    for sweep in sweeps:
        try:
            counts[sweep.name] = await sweep.run(ctx)
        except Exception:
            logger.exception("sweep %s failed at %s", sweep.name, ctx.at.isoformat())
            counts[sweep.name] = -1
    return counts
