"""`unclaimed` for CAMs: the leads still waiting for a partner, and those that ran out, with why.

A CAM with 80 partners needs the few leads nobody has taken yet, soonest deadline first, each with the
reason in one line (nobody claimed it in time, every partner of the region lacks the product, …) and
one partner the rules would allow, to assign it to with one press.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotAllowed
from domain.i18n import N_
from domain.leads.eligibility import assess
from domain.leads.models import Lead, LeadEvent, LeadOffer
from domain.leads.policy import WAITING, LeadPolicy
from domain.models import Partner
from domain.people import PersonView

RECENT = dt.timedelta(days=14)
LISTED = 20


@dataclass(frozen=True)
class Unclaimed:
    external_id: str
    company: str
    status: str
    """`offered`, `assigned` (waiting for acceptance), `new` or `expired`."""
    why: str
    """`waiting_claim`, `waiting_accept`, `no_partner`, `unclaimed` (the offer ran out), `passed_on`."""
    deadline: dt.datetime | None
    closed_at: dt.datetime | None
    offered: int
    """Partners offered the lead in its latest round."""
    partner_name: str | None
    """Who it is assigned to, while waiting for acceptance."""
    blocker: tuple[str, dict[str, Any]] | None
    """The rule that kept most partners of the lead's region out, with what was compared."""
    suggestion: tuple[str, str] | None
    """A partner the rules allow now (id, name), not one that had it already."""


def _mine(person: PersonView) -> Any:
    """The leads a CAM answers for: offered to, assigned to or meant for their partners, or of a
    region their partners are in when it reached nobody."""
    partners = select(Partner.id).where(func.lower(Partner.cam_email) == person.email.lower())
    regions = select(Partner.region).where(func.lower(Partner.cam_email) == person.email.lower())
    offered = exists().where(LeadOffer.lead_id == Lead.id, LeadOffer.partner_id.in_(partners))
    reached_nobody = ~exists().where(LeadOffer.lead_id == Lead.id)
    return or_(
        offered,
        Lead.partner_id.in_(partners),
        Lead.direct_partner_id.in_(partners),
        and_(reached_nobody, Lead.region.in_(regions)),
    )


async def unclaimed(session: AsyncSession, person: PersonView, now: dt.datetime, policy: LeadPolicy) -> list[Unclaimed]:
    """Waiting leads by their deadline, then those that ran out in the last RECENT days, latest first."""
    if person.role not in ("cam", "admin"):
        raise NotAllowed(N_("Only CAMs can list unclaimed leads."))
    query = select(Lead).where(
        or_(Lead.status.in_(WAITING), and_(Lead.status == "expired", Lead.closed_at > now - RECENT))
    )
    if person.role == "cam":
        query = query.where(_mine(person))
    leads = list((await session.scalars(query.limit(500))).all())
    waiting = sorted(
        (lead for lead in leads if lead.status != "expired"),
        key=lambda lead: lead.offer_expires_at or lead.acceptance_due_at or now + RECENT,
    )
    expired = sorted((lead for lead in leads if lead.status == "expired"), key=lambda lead: lead.closed_at or now)
    return [await _described(session, lead, policy) for lead in [*waiting, *reversed(expired)][:LISTED]]


async def _described(session: AsyncSession, lead: Lead, policy: LeadPolicy) -> Unclaimed:
    offered = int(
        await session.scalar(
            select(func.count())
            .select_from(LeadOffer)
            .where(LeadOffer.lead_id == lead.id, LeadOffer.round == lead.round)
        )
        or 0
    )
    partner = await session.get(Partner, lead.partner_id) if lead.partner_id else None
    verdicts = await assess(session, lead, policy)
    excluded = set(lead.excluded_partner_ids or [])
    allowed = [v for v in verdicts if v.eligible and v.partner_id not in excluded and v.partner_id != lead.partner_id]
    blocker = None
    failed = [r for v in verdicts for r in v.reasons if not r.ok]
    if failed:
        code = Counter(r.code for r in failed).most_common(1)[0][0]
        blocker = (code, next(r.params for r in failed if r.code == code))
    elif not verdicts:
        blocker = ("region_empty", {"lead": lead.region})
    return Unclaimed(
        external_id=lead.external_id,
        company=lead.company,
        status=lead.status,
        why=await _why(session, lead),
        deadline=lead.offer_expires_at or lead.acceptance_due_at,
        closed_at=lead.closed_at,
        offered=offered,
        partner_name=partner.name if partner and lead.status == "assigned" else None,
        blocker=blocker,
        suggestion=(allowed[0].partner_external_id, allowed[0].partner_name) if allowed else None,
    )


async def _why(session: AsyncSession, lead: Lead) -> str:
    if lead.status == "offered":
        return "waiting_claim"
    if lead.status == "assigned":
        return "waiting_accept"
    if lead.status == "new":
        return "no_partner"
    detail = await session.scalar(
        select(LeadEvent.detail)
        .where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "expired", LeadEvent.partner_id.is_(None))
        .order_by(LeadEvent.at.desc(), LeadEvent.id.desc())
        .limit(1)
    )
    why = (detail or {}).get("why")
    if why == "no_partner" and lead.excluded_partner_ids:
        return "passed_on"  # partners had it and gave it back or let it lapse; nobody else is left
    return str(why) if why in ("no_partner", "unclaimed") else "no_partner"
