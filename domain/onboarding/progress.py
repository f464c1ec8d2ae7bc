"""Where a partner stands on its track today: each milestone done, attempted or open, due when, late by
how much, and which CAM alert triggers hold. `messenger_linked` and `first_deal` come from the bot's own
records (a linked person, a registered deal), or from the import until then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.deals.models import Deal
from domain.models import Partner, Person
from domain.onboarding.models import MilestoneRecord
from domain.onboarding.tracks import Milestone, Track, Trigger
from domain.people import PARTNER_ROLES


@dataclass(frozen=True)
class Step:
    milestone: Milestone
    status: str  # done | attempted | open
    percent: int | None
    done_on: dt.date | None
    due_on: dt.date
    starts_on: dt.date

    def late_by(self, today: dt.date) -> int:
        return max(0, (today - self.due_on).days) if self.status != "done" else 0

    def fires(self, trigger: Trigger) -> bool:
        if trigger.kind == "below_percent":
            return self.status != "done" and (self.percent or 0) < trigger.percent
        if trigger.kind in ("no_attempt", "not_started"):
            return self.status == "open"
        return self.status != "done"  # not_done | not_passed


async def bot_records(session: AsyncSession, partner_id: int) -> dict[str, dt.date]:
    """What the bot knows by itself: the first person linked, the first deal registered."""
    linked = await session.scalar(
        select(func.min(Person.linked_at)).where(Person.partner_id == partner_id, Person.role.in_(PARTNER_ROLES))
    )
    deal = await session.scalar(select(func.min(Deal.submitted_at)).where(Deal.partner_id == partner_id))
    found: dict[str, dt.date] = {}
    if linked is not None:
        found["messenger_linked"] = linked.date()
    if deal is not None:
        found["first_deal"] = deal.date()
    return found


async def steps_of(session: AsyncSession, partner: Partner, track: Track) -> list[Step]:
    assert partner.joined_on is not None
    records = {
        r.milestone: r
        for r in (await session.scalars(select(MilestoneRecord).where(MilestoneRecord.partner_id == partner.id))).all()
    }
    own = await bot_records(session, partner.id)
    steps = []
    for milestone in track.steps():
        record = records.get(milestone.key)
        done_on = own.get(milestone.key)
        if done_on is None and record is not None and record.status == "completed":
            done_on = record.at
        status = "done" if done_on else ("attempted" if record is not None else "open")
        steps.append(
            Step(
                milestone,
                status,
                100 if done_on else (record.percent if record else None),
                done_on,
                partner.joined_on + dt.timedelta(days=milestone.end),
                partner.joined_on + dt.timedelta(days=milestone.start),
            )
        )
    return steps
