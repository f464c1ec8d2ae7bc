"""The partner health score, 0–100, and the tier measures — for every partner at once, from grouped
queries (a handful per run, not per partner), so the nightly evaluation of 50,000 partners stays cheap.

Components, each 0–1, weighted by `PARTNERBOT_HEALTH_WEIGHTS`:
- leads: of the leads it took in 90 days, the share not reclaimed for a missed follow-up (none: neutral ½);
- deals: registrations in 90 days, three or more is full marks;
- certifications: a certification current is full marks, none is zero;
- tickets: open tickets past their SLA, each a third off;
- engagement: the share of its people who have opened the bot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.deals.models import Deal
from domain.health.models import Credential
from domain.health.policy import COMPONENTS, HealthPolicy
from domain.leads.models import LeadEvent
from domain.models import Person
from domain.people import PARTNER_ROLES
from domain.tickets.lookup import WORKING
from domain.tickets.models import Ticket


@dataclass
class Measures:
    taken: int = 0
    reclaimed: int = 0
    deals: int = 0
    certified: set[str] = field(default_factory=set)
    certifications: int = 0
    late_tickets: int = 0
    people: int = 0
    linked: int = 0
    won_value: Decimal = Decimal(0)


@dataclass(frozen=True)
class Score:
    score: int
    components: dict[str, float]
    reasons: tuple[str, ...]


async def measure(session: AsyncSession, now: dt.datetime, today: dt.date) -> dict[int, Measures]:
    found: dict[int, Measures] = defaultdict(Measures)
    since = now - dt.timedelta(days=90)
    for partner_id, kind, n in await session.execute(
        select(LeadEvent.partner_id, LeadEvent.kind, func.count())
        .where(
            LeadEvent.at >= since,
            LeadEvent.kind.in_(("claimed", "accepted", "reclaimed")),
            LeadEvent.partner_id.is_not(None),
        )
        .group_by(LeadEvent.partner_id, LeadEvent.kind)
    ):
        if partner_id is None:
            continue
        if kind == "reclaimed":
            found[partner_id].reclaimed += n
        else:
            found[partner_id].taken += n
    for partner_id, n in await session.execute(
        select(Deal.partner_id, func.count()).where(Deal.submitted_at >= since).group_by(Deal.partner_id)
    ):
        found[partner_id].deals = n
    for partner_id, amount, won in await session.execute(
        select(Deal.partner_id, Deal.amount, Deal.won_amount).where(
            Deal.status == "won", Deal.closed_on >= today - dt.timedelta(days=365)
        )
    ):
        found[partner_id].won_value += won or amount
    for partner_id, holder in await session.execute(
        select(Credential.partner_id, Credential.holder).where(
            Credential.category == "certification", Credential.expires_on >= today
        )
    ):
        found[partner_id].certifications += 1
        if holder:
            found[partner_id].certified.add(holder)
    late = or_(Ticket.first_response_due_at < now, Ticket.resolution_due_at < now)
    for partner_id, n in await session.execute(
        select(Ticket.partner_id, func.count()).where(Ticket.status.in_(WORKING), late).group_by(Ticket.partner_id)
    ):
        found[partner_id].late_tickets = n
    for partner_id, people, linked in await session.execute(
        select(Person.partner_id, func.count(), func.count(Person.linked_at))
        .where(Person.role.in_(PARTNER_ROLES), Person.partner_id.is_not(None))
        .group_by(Person.partner_id)
    ):
        if partner_id is not None:
            found[partner_id].people, found[partner_id].linked = people, linked
    return found


REASONS = {
    "leads": "leads missed their follow-up",
    "deals": "no deals registered in 90 days",
    "certifications": "no certification current",
    "tickets": "tickets past their SLA",
    "engagement": "few of its people use the bot",
}


def score_of(m: Measures, policy: HealthPolicy) -> Score:
    parts = {
        "leads": 0.5 if not m.taken else max(0.0, 1 - m.reclaimed / m.taken),
        "deals": min(1.0, m.deals / 3),
        "certifications": 1.0 if m.certifications else 0.0,
        "tickets": max(0.0, 1 - m.late_tickets / 3),
        "engagement": m.linked / m.people if m.people else 0.0,
    }
    total = round(sum(policy.weights[k] * parts[k] for k in COMPONENTS))
    lost = sorted(COMPONENTS, key=lambda k: policy.weights[k] * (1 - parts[k]), reverse=True)
    # A neutral half for no leads at all is no reason to give: nothing was missed.
    reasons = tuple(k for k in lost if policy.weights[k] * (1 - parts[k]) >= 5 and (k != "leads" or m.taken))[:3]
    return Score(total, {k: round(v, 2) for k, v in parts.items()}, reasons)
