"""Finding a lead, and whether the person asking may know it exists; the card a holder sees.

A partner asking about a lead that does not exist and one asking about a lead it was never offered nor
holds get the same answer (`unavailable`): lead ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from domain.i18n import N_
from domain.leads.events import lead_ref
from domain.leads.models import Lead, LeadOffer
from domain.models import Partner, Person
from domain.people import PersonView


@dataclass(frozen=True)
class LeadCard:
    """A lead as a handler may show it; `contact` fields only to those who hold the lead."""

    id: int
    external_id: str
    ref: str
    status: str
    mode: str
    priority: str
    region: str
    country: str
    vertical: str
    product: str
    size: str
    value: float | None
    currency: str
    company: str
    domain: str
    contact_name: str
    contact_email: str
    contact_phone: str
    campaign: str
    notes: str
    partner_name: str | None
    holder_name: str | None
    created_at: dt.datetime
    held_since: dt.datetime | None
    offer_expires_at: dt.datetime | None
    acceptance_due_at: dt.datetime | None
    followup_due_at: dt.datetime | None
    disqualify_reason: str | None


async def card_of(session: AsyncSession, lead: Lead) -> LeadCard:
    partner = await session.get(Partner, lead.partner_id) if lead.partner_id else None
    holder = await session.get(Person, lead.holder_person_id) if lead.holder_person_id else None
    return LeadCard(
        id=lead.id,
        external_id=lead.external_id,
        ref=lead_ref(lead),
        status=lead.status,
        mode=lead.mode,
        priority=lead.priority,
        region=lead.region,
        country=lead.country or "",
        vertical=lead.vertical or "",
        product=lead.product or "",
        size=lead.company_size or "",
        value=lead.estimated_value,
        currency=lead.currency or "",
        company=lead.company,
        domain=lead.domain or "",
        contact_name=lead.contact_name or "",
        contact_email=lead.contact_email or "",
        contact_phone=lead.contact_phone or "",
        campaign=lead.campaign or "",
        notes=lead.notes or "",
        partner_name=partner.name if partner else None,
        holder_name=holder.name if holder else None,
        created_at=lead.created_at,
        held_since=lead.held_since,
        offer_expires_at=lead.offer_expires_at,
        acceptance_due_at=lead.acceptance_due_at,
        followup_due_at=lead.followup_due_at,
        disqualify_reason=lead.disqualify_reason,
    )


async def find(session: AsyncSession, ref: str) -> Lead:
    """The lead a button or command names: its id, or `#<row id>` for long ids."""
    cleaned = (ref or "").strip()
    lead: Lead | None = None
    if cleaned.startswith("#") and cleaned[1:].isdigit():
        lead = await session.get(Lead, int(cleaned[1:]), populate_existing=True)
    elif cleaned:
        lead = (
            await session.scalars(
                select(Lead).where(Lead.external_id == cleaned).execution_options(populate_existing=True)
            )
        ).first()
    if lead is None:
        raise NotFound(N_("There is no lead %(lead)s."), lead=cleaned or "?")
    return lead


UNAVAILABLE = N_("Lead %(lead)s is not available to you.")


def unavailable(ref: str) -> NotFound:
    """The one answer for "no such lead" and "not yours": it names only what the person typed."""
    return NotFound(UNAVAILABLE, lead=(ref or "").strip() or "?")


async def knows(session: AsyncSession, person: PersonView, lead: Lead) -> bool:
    """May this person learn that the lead exists? Staff always; a partner user when the lead is (or
    was) its partner's (or, for a partner admin, a child partner's), or was ever offered to its partner."""
    if person.partner_id is None:
        return True
    if lead.partner_id is not None:
        if lead.partner_id == person.partner_id:
            return True
        if person.role == "partner_admin" and person.partner_id in await parents(session, lead.partner_id):
            return True
    offered = await session.scalar(
        select(exists().where(LeadOffer.lead_id == lead.id, LeadOffer.partner_id == person.partner_id))
    )
    return bool(offered)


async def find_known(session: AsyncSession, person: PersonView, ref: str) -> Lead:
    """`find`, but a lead the person may not know about is answered exactly like one that does not exist."""
    try:
        lead = await find(session, ref)
    except NotFound:
        if person.partner_id is None:
            raise
        raise unavailable(ref) from None
    if not await knows(session, person, lead):
        raise unavailable(ref)
    return lead


async def parents(session: AsyncSession, partner_id: int | None) -> list[int]:
    chain: list[int] = []
    while partner_id is not None and len(chain) < 5:
        chain.append(partner_id)
        partner_id = await session.scalar(select(Partner.parent_id).where(Partner.id == partner_id))
    return chain
