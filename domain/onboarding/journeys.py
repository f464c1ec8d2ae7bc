"""The daily onboarding sweep: start journeys, check each partner due today, fold the CAM alerts.

1. `enroll`: a partner with a `joined_on` in the last 97 days gets a journey (a re-import that moves
   `joined_on` starts it again); its first check is the partner-local morning after it joined.
2. `check`: each journey whose `check_at` has passed, in its own transaction: the CAM alert triggers
   that hold (each once), at most one nudge per person per day and only on the partner's business days
   (after a week of downtime: one nudge, the most urgent, not a burst), the 90-day review; the next
   check is tomorrow morning, partner-local.
3. `fold`: the alerts found, one message per CAM (none waits for a digest hour).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import is_valid_timezone, zone
from domain.events import publish
from domain.models import Partner, Person
from domain.onboarding import notifications  # noqa: F401  (registers who hears of each onboarding event)
from domain.onboarding.events import AlertsFound, MilestoneNudge, ReviewDue
from domain.onboarding.models import Journey, PendingAlert
from domain.onboarding.policy import OnboardingPolicy
from domain.onboarding.progress import Step, steps_of
from domain.onboarding.tracks import REVIEW_DAY
from domain.people import PARTNER_ROLES
from domain.sweeps import Sweep, SweepContext, drain_due

ENROLL_WITHIN = REVIEW_DAY + 7
BATCH = 500


def timezone_of(partner: Partner, policy: OnboardingPolicy) -> tuple[str, bool]:
    """The partner's timezone, or the program's when its own is not a real zone (True: say so to the CAM)."""
    if partner.timezone and is_valid_timezone(partner.timezone):
        return partner.timezone, False
    return policy.calendar.timezone, bool(partner.timezone)


def morning_after(day: dt.date, tz: str, policy: OnboardingPolicy) -> dt.datetime:
    """`policy.morning_hour` o'clock, partner-local, on the day after `day`, as UTC."""
    local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(policy.morning_hour), zone(tz))
    return local.astimezone(dt.UTC)


async def enroll(session: AsyncSession, at: dt.datetime, policy: OnboardingPolicy) -> int:
    """Start a journey for each partner that joined lately and has none, or whose `joined_on` moved."""
    since = at.date() - dt.timedelta(days=ENROLL_WITHIN)
    rows = (
        await session.execute(
            select(Partner, Journey)
            .outerjoin(Journey, Journey.partner_id == Partner.id)
            .where(Partner.joined_on.is_not(None), Partner.joined_on >= since)
            .where((Journey.partner_id.is_(None)) | (Journey.joined_on != Partner.joined_on))
        )
    ).all()
    for partner, journey in rows:
        assert partner.joined_on is not None
        tz, _ = timezone_of(partner, policy)
        first = max(morning_after(partner.joined_on, tz, policy), at)
        if journey is None:
            session.add(Journey(partner_id=partner.id, joined_on=partner.joined_on, check_at=first, updated_at=at))
        else:
            journey.joined_on, journey.check_at = partner.joined_on, first
            journey.nudged, journey.snoozed, journey.alerted = {}, {}, []
            journey.last_nudge_on, journey.review_sent, journey.updated_at = None, False, at
    await session.flush()
    return len(rows)


def _alert(
    partner_id: int, milestone: str, kind: str, late: int, at: dt.datetime, note: str | None = None
) -> PendingAlert:
    return PendingAlert(
        partner_id=partner_id, milestone=milestone, kind=kind, days_late=late, note=note, found_at=at, sent=False
    )


def _nudge_candidate(steps: Sequence[Step], journey: Journey, today: dt.date) -> Step | None:
    """The first open milestone (track order) whose window is open and that has not been nudged (or whose
    snooze has run out)."""
    for step in steps:
        key = step.milestone.key
        if (
            step.status == "done"
            or step.milestone.key == "messenger_linked"
            or not step.starts_on <= today <= step.due_on
        ):
            continue
        snoozed = journey.snoozed.get(key)
        if snoozed and today < dt.date.fromisoformat(snoozed):
            continue
        nudged = journey.nudged.get(key)
        if nudged and not (snoozed and nudged < snoozed):
            continue
        return step
    return None


async def check(session: AsyncSession, journey_id: int, at: dt.datetime, policy: OnboardingPolicy) -> int:
    journey = await session.get(Journey, journey_id)
    partner = await session.get(Partner, journey.partner_id) if journey is not None else None
    if (
        journey is None
        or partner is None
        or partner.joined_on is None
        or journey.check_at is None
        or journey.check_at > at
    ):
        return 0
    tz, fallback = timezone_of(partner, policy)
    today = at.astimezone(zone(tz)).date()
    day = (today - partner.joined_on).days
    steps = await steps_of(session, partner, policy.track(partner.type))
    alerted = list(journey.alerted)
    if fallback and "timezone" not in alerted:
        session.add(_alert(partner.id, "", "timezone", 0, at, note=partner.timezone))
        alerted.append("timezone")
    for step in steps:  # after downtime, of a milestone's triggers only the latest is said
        due = [t for t in step.milestone.triggers if day >= t.day and step.fires(t)]
        fresh = [t for t in due if f"{step.milestone.key}:{t.day}:{t.kind}" not in alerted]
        if fresh:
            session.add(_alert(partner.id, step.milestone.key, fresh[-1].kind, step.late_by(today), at))
            alerted += [f"{step.milestone.key}:{t.day}:{t.kind}" for t in fresh]
    linked = (
        await session.scalars(
            select(Person.id).where(
                Person.partner_id == partner.id, Person.role.in_(PARTNER_ROLES), Person.linked_at.is_not(None)
            )
        )
    ).all()
    candidate = _nudge_candidate(steps, journey, today)
    nudged = dict(journey.nudged)
    if candidate is not None and journey.last_nudge_on != today and policy.calendar.is_business_day(today):
        if linked:
            await publish(
                session, MilestoneNudge(partner.id, candidate.milestone.key, today.isoformat(), tuple(linked)), at
            )
            nudged[candidate.milestone.key] = today.isoformat()
            journey.last_nudge_on = today
        elif "nobody" not in alerted:  # nudging nobody helps nobody: the CAM invites them
            session.add(_alert(partner.id, candidate.milestone.key, "no_linked_person", 0, at))
            alerted.append("nobody")
    if day >= REVIEW_DAY and not journey.review_sent:
        await publish(session, ReviewDue(partner.id, policy.cam_channel, policy.track(partner.type)), at)
        journey.review_sent = True
    journey.alerted, journey.nudged = alerted, nudged
    journey.check_at = None if journey.review_sent else morning_after(today, tz, policy)
    journey.updated_at = at
    await session.flush()
    return 1


async def fold(session: AsyncSession, at: dt.datetime, policy: OnboardingPolicy) -> int:
    """Every alert not yet sent, folded into one message per CAM; marked sent in the same transaction."""
    ids = tuple(
        (
            await session.scalars(select(PendingAlert.id).where(PendingAlert.sent.is_(False)).order_by(PendingAlert.id))
        ).all()
    )
    if not ids:
        return 0
    queued = await publish(session, AlertsFound(ids, policy.cam_channel), at)
    await session.execute(update(PendingAlert).where(PendingAlert.id.in_(ids)).values(sent=True))
    return queued


def sweeps(policy: OnboardingPolicy) -> Sequence[Sweep]:
    async def run(ctx: SweepContext) -> int:
        async with ctx.uow() as uow:
            await enroll(uow.session, ctx.at, policy)
            await uow.commit()
        checked = await drain_due(ctx, Journey.check_at, lambda s, i: check(s, i, ctx.at, policy), batch=BATCH)
        async with ctx.uow() as uow:
            await fold(uow.session, ctx.at, policy)
            await uow.commit()
        return checked

    return (Sweep("onboarding_journeys", run),)
