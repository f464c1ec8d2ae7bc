"""Sweeps: due work found by indexed queries as of one instant (ARCHITECTURE.md, "Sweeps, not timers").

The scheduler and `partnerbot sweep --at T` call the same `run_sweeps`. Each sweep changes state and
queues pushes with idempotency keys in one transaction, so running it twice for one instant sends
nothing twice, and a run after downtime simply finds more work due. A dry run (`rehearse_sweeps`) runs
the very same sweeps inside one transaction that is rolled back, and reports what they would queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.calendar import BusinessCalendar
from domain.db import UowFactory, rolled_back
from domain.errors import InvalidInput
from domain.i18n import N_

logger = logging.getLogger(__name__)

# The instants a sweep can compute with. Sweeps add their windows to the instant (offer, acceptance and
# follow-up windows; link-code validity) and subtract retention periods (7 days of update ids); the
# calendar looks up to 400 days ahead for business time and up to 800 days for a delivery time. Ten years
# on either side covers all of it, so nothing computed from an accepted instant can leave the range of
# `datetime` (years 1 to 9999). Past instants are accepted: a sweep only acts on what was due by then, so
# an earlier instant finds less work, never more, and replays of a past day depend on it.
SWEEP_HORIZON = dt.timedelta(days=3653)
EARLIEST_SWEEP = dt.datetime.min.replace(tzinfo=dt.UTC) + SWEEP_HORIZON
LATEST_SWEEP = dt.datetime.max.replace(tzinfo=dt.UTC) - SWEEP_HORIZON


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


def check_instant(at: dt.datetime, calendar: BusinessCalendar) -> None:
    """Refuse an instant the sweeps cannot compute with (`InvalidInput`), before anything runs."""
    if at.tzinfo is None or not EARLIEST_SWEEP <= at <= LATEST_SWEEP:
        raise InvalidInput(
            N_("%(at)s is outside the instants a sweep can compute with (%(earliest)s to %(latest)s)."),
            at=at.isoformat(),
            earliest=EARLIEST_SWEEP.date().isoformat(),
            latest=LATEST_SWEEP.date().isoformat(),
        )
    try:  # the calendar itself: a holidays file or business hours that leave no business time ahead
        calendar.next_business_time(at)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            N_("The business calendar cannot compute from %(at)s: %(reason)s"), at=at.isoformat(), reason=str(exc)
        ) from None


@dataclass(frozen=True)
class PlannedPush:
    """A notification a dry run would have queued."""

    kind: str
    recipient: str
    not_before: dt.datetime


@dataclass(frozen=True)
class Rehearsal:
    counts: dict[str, int]
    queued: list[PlannedPush]


async def rehearse_sweeps(
    sweeps: Sequence[Sweep], at: dt.datetime, engine: AsyncEngine, calendar: BusinessCalendar
) -> Rehearsal:
    """Run the same sweeps as `run_sweeps` in one transaction that is rolled back: a dry run."""
    from domain.models import OutboxMessage, Person

    async with rolled_back(engine) as uow:
        async with uow() as unit:
            before = int(await unit.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0)
        counts = await run_sweeps(sweeps, SweepContext(at=at, uow=uow, calendar=calendar))
        async with uow() as unit:
            query = (
                select(OutboxMessage, Person.email)
                .outerjoin(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.id > before)
                .order_by(OutboxMessage.id)
            )
            queued = [
                PlannedPush(row.kind, email or f"{row.platform}:{row.chat_id}", row.not_before)
                for row, email in (await unit.session.execute(query)).all()
            ]
    return Rehearsal(counts, queued)


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


async def drain_due(
    ctx: SweepContext,
    column: InstrumentedAttribute[Any],
    handle: Callable[[AsyncSession, int], Awaitable[int]],
    *,
    batch: int,
) -> int:
    """Work through the rows whose due `column` has passed as of `ctx.at`: a batch of ids at a time (an
    indexed range read), one transaction per row. A row that fails is logged and skipped; the others go
    on, and the next sweep finds it again while its due column stays set."""
    model = column.class_
    total = 0
    seen: set[int] = set()
    while True:
        async with ctx.uow.reader() as uow:
            query = select(model.id).where(column <= ctx.at).order_by(column).limit(batch)
            ids = [i for i in (await uow.session.scalars(query)).all() if i not in seen]
        if not ids:
            return total
        for row_id in ids:
            seen.add(row_id)
            try:
                async with ctx.uow() as uow:
                    total += await handle(uow.session, row_id)
                    await uow.commit()
            except Exception:
                logger.exception("sweep over %s failed for %s %s", column, model.__name__, row_id)
