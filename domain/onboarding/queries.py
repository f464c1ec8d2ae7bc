"""`onboarding` (a partner's checklist) and `partners` (a CAM's portfolio, riskiest first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import zone
from domain.deals.models import Deal
from domain.errors import NotAllowed, NotFound
from domain.health.models import HealthSnapshot
from domain.i18n import N_
from domain.leads.models import Lead, LeadEvent
from domain.leads.policy import HOLDING
from domain.leads.queries import family
from domain.models import Partner, Person
from domain.onboarding.models import MilestoneRecord
from domain.onboarding.policy import OnboardingPolicy
from domain.onboarding.progress import Step, steps_of
from domain.onboarding.tracks import REVIEW_DAY
from domain.people import PARTNER_ROLES, PersonView

CAMS = frozenset({"cam", "admin"})


@dataclass(frozen=True)
class Checklist:
    partner: str
    partner_id: str
    joined_on: dt.date
    day: int
    activation_days: tuple[int, int]
    steps: list[Step]
    today: dt.date


def cams_partners(person: PersonView) -> object:
    return func.lower(Partner.cam_email) == person.email.lower()


async def _partner_for(session: AsyncSession, person: PersonView, ref: str) -> Partner:
    ref = (ref or "").strip()
    if not ref:
        if person.partner_id is None:
            raise NotAllowed(N_("Say which partner: /onboarding PARTNER_ID (your partners are in /partners)."))
        partner = await session.get(Partner, person.partner_id)
        assert partner is not None
        return partner
    partner = await session.scalar(select(Partner).where(func.lower(Partner.external_id) == ref.lower()))
    if partner is None:
        raise NotFound(N_("There is no partner %(ref)s that you can see."), ref=ref[:40])
    allowed = (
        person.role == "admin"
        or (person.role == "cam" and (partner.cam_email or "").lower() == person.email.lower())
        or (
            person.role == "partner_admin"
            and person.partner_id is not None
            and partner.id in await family(session, person.partner_id)
        )
        or partner.id == person.partner_id
    )
    if not allowed:
        raise NotFound(N_("There is no partner %(ref)s that you can see."), ref=ref[:40])
    return partner


async def checklist(
    session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: OnboardingPolicy
) -> Checklist:
    partner = await _partner_for(session, person, ref)
    if partner.joined_on is None:
        raise NotFound(N_("%(partner)s has no join date, so it has no onboarding journey."), partner=partner.name)
    today = now.astimezone(zone(partner.timezone or policy.calendar.timezone)).date()
    track = policy.track(partner.type)
    return Checklist(
        partner.name,
        partner.external_id,
        partner.joined_on,
        (today - partner.joined_on).days,
        track.activation_days,
        await steps_of(session, partner, track),
        today,
    )


@dataclass(frozen=True)
class PortfolioLine:
    partner: str
    partner_id: str
    type: str
    tier: str
    day: int | None
    overdue: int
    days_left: int | None
    """Days left in the activation window; negative once it has passed without a first deal."""
    last_activity: dt.date | None
    open_leads: int
    deals: int
    next_milestone: str | None
    health: int | None = None
    """The latest nightly health score (domain/health), with what pulls it down most."""
    health_reasons: tuple[str, ...] = ()
    claims: int = 0
    """Leads the partner claimed in the last LOOKBACK days."""
    sla_misses: int = 0
    """Leads taken back from the partner in the last LOOKBACK days: no follow-up in time, or an
    assignment not accepted in time."""


LOOKBACK = dt.timedelta(days=90)


async def _lead_record(session: AsyncSession, partner_id: int, now: dt.datetime) -> tuple[int, int]:
    """Claims and SLA misses of one partner in the last LOOKBACK days."""
    # An "expired" event names a partner only when its assignment ran out unaccepted.
    kinds = (
        await session.scalars(
            select(LeadEvent.kind).where(
                LeadEvent.partner_id == partner_id,
                LeadEvent.at > now - LOOKBACK,
                LeadEvent.kind.in_(("claimed", "reclaimed", "expired")),
            )
        )
    ).all()
    claims = sum(1 for kind in kinds if kind == "claimed")
    return claims, len(kinds) - claims


async def _last_activity(session: AsyncSession, partner_id: int) -> dt.date | None:
    moments = [
        await session.scalar(select(func.max(Person.linked_at)).where(Person.partner_id == partner_id)),
        await session.scalar(  # what a person of the partner did, not what was done to it (an offer)
            select(func.max(LeadEvent.at)).where(LeadEvent.partner_id == partner_id, LeadEvent.person_id.is_not(None))
        ),
        await session.scalar(select(func.max(Deal.submitted_at)).where(Deal.partner_id == partner_id)),
    ]
    dates = [m.date() for m in moments if m is not None]
    record = await session.scalar(select(func.max(MilestoneRecord.at)).where(MilestoneRecord.partner_id == partner_id))
    if record is not None:
        dates.append(record)
    return max(dates, default=None)


async def portfolio_line(
    session: AsyncSession, partner: Partner, now: dt.datetime, policy: OnboardingPolicy
) -> PortfolioLine:
    today = now.astimezone(zone(partner.timezone or policy.calendar.timezone)).date()
    track = policy.track(partner.type)
    overdue, days_left, day, upcoming = 0, None, None, None
    deals = int(await session.scalar(select(func.count()).select_from(Deal).where(Deal.partner_id == partner.id)) or 0)
    if partner.joined_on is not None:
        day = (today - partner.joined_on).days
        steps = await steps_of(session, partner, track)
        if day <= REVIEW_DAY:  # after day 90 the journey is over: what is left undone is history, not a to-do
            overdue = sum(1 for s in steps if s.late_by(today) > 0)
        activated = any(s.milestone.key == "first_deal" and s.status == "done" for s in steps) or deals > 0
        days_left = None if activated else track.activation_days[1] - day
        upcoming = next((s.milestone.key for s in steps if s.status != "done"), None)
    open_leads = await session.scalar(
        select(func.count()).select_from(Lead).where(Lead.partner_id == partner.id, Lead.status.in_(HOLDING))
    )
    latest = (
        await session.execute(
            select(HealthSnapshot.score, HealthSnapshot.components)
            .where(HealthSnapshot.partner_id == partner.id)
            .order_by(HealthSnapshot.day.desc())
            .limit(1)
        )
    ).first()
    return PortfolioLine(
        partner.name,
        partner.external_id,
        partner.type,
        partner.tier,
        day,
        overdue,
        days_left,
        await _last_activity(session, partner.id),
        int(open_leads or 0),
        deals,
        upcoming,
        latest[0] if latest else None,
        tuple(latest[1].get("reasons", [])) if latest else (),
        *await _lead_record(session, partner.id, now),
    )


def risk_order(line: PortfolioLine) -> tuple[int, int, dt.date]:
    """Most overdue milestones first, then the fewest days left to activate, then the longest quiet."""
    return (-line.overdue, line.days_left if line.days_left is not None else 10**6, line.last_activity or dt.date.min)


async def portfolio(
    session: AsyncSession, person: PersonView, now: dt.datetime, policy: OnboardingPolicy
) -> list[PortfolioLine]:
    if person.role not in CAMS:
        raise NotAllowed(N_("The portfolio is for CAMs."))
    query = select(Partner)
    if person.role == "cam":
        query = query.where(func.lower(Partner.cam_email) == person.email.lower())
    lines = [
        await portfolio_line(session, p, now, policy)
        for p in (await session.scalars(query.order_by(Partner.name))).all()
    ]
    return sorted(lines, key=risk_order)


async def confirm_milestone(
    session: AsyncSession, person: PersonView, key: str, now: dt.datetime, policy: OnboardingPolicy
) -> str:
    """A partner user says a milestone is done (`nudge.done` → Yes): recorded as the partner's word."""
    from domain.errors import InvalidInput
    from domain.onboarding.tracks import MILESTONES

    milestone = MILESTONES.get(key)
    if milestone is None:
        raise InvalidInput(N_("Unknown milestone %(value)s."), value=key[:40])
    if person.role not in PARTNER_ROLES or person.partner_id is None:
        raise NotAllowed(N_("Milestones are confirmed by partner users."))
    if milestone.verified:
        raise NotAllowed(N_("The bot sees this one by itself; nothing to confirm."))
    if milestone.admins_confirm and person.role != "partner_admin":
        raise NotAllowed(N_("A partner admin confirms this one."))
    partner = await session.get(Partner, person.partner_id)
    assert partner is not None
    today = now.astimezone(zone(partner.timezone or policy.calendar.timezone)).date()
    record = await session.scalar(
        select(MilestoneRecord).where(MilestoneRecord.partner_id == partner.id, MilestoneRecord.milestone == key)
    )
    if record is None:
        record = MilestoneRecord(partner_id=partner.id, milestone=key, source="chat")
        session.add(record)
    if record.status != "completed":
        record.status, record.percent, record.at, record.source = "completed", 100, today, "chat"
        record.person_email, record.updated_at = person.email, now
    await session.flush()
    return milestone.title


async def snooze(
    session: AsyncSession, person: PersonView, key: str, now: dt.datetime, policy: OnboardingPolicy
) -> dt.date:
    """`nudge.snooze`: ask again in 3 days."""
    from domain.onboarding.models import Journey

    if person.partner_id is None:
        raise NotAllowed(N_("Milestones are confirmed by partner users."))
    journey = await session.scalar(select(Journey).where(Journey.partner_id == person.partner_id))
    partner = await session.get(Partner, person.partner_id)
    assert partner is not None
    until = now.astimezone(zone(partner.timezone or policy.calendar.timezone)).date() + dt.timedelta(
        days=policy.snooze_days
    )
    if journey is not None:
        journey.snoozed = {**journey.snoozed, key: until.isoformat()}
        await session.flush()
    return until
