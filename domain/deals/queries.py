"""A person's registrations for `deals`: their own; a partner admin's partner's and child partners'; a
CAM's partners'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.deals.models import Deal, reference
from domain.leads.models import Lead
from domain.leads.queries import family
from domain.models import Partner
from domain.people import PersonView

LIMIT = 30


@dataclass(frozen=True)
class DealLine:
    ref: str
    company: str
    partner: str
    amount: Decimal
    currency: str
    status: str
    expires_at: dt.datetime | None
    extension_requested: bool
    lead: str | None


async def deal_lines(session: AsyncSession, person: PersonView, limit: int = LIMIT) -> list[DealLine]:
    query = select(Deal, Partner.name, Lead.external_id).join(Partner, Partner.id == Deal.partner_id)
    query = query.outerjoin(Lead, Lead.id == Deal.lead_id)
    if person.role == "admin":
        pass
    elif person.role == "cam":
        query = query.where(func.lower(Partner.cam_email) == person.email.lower())
    elif person.role == "partner_admin" and person.partner_id:
        query = query.where(Deal.partner_id.in_(await family(session, person.partner_id)))
    else:
        query = query.where(Deal.registered_by_id == person.id)
    waiting_first = case((Deal.status.in_(("info_requested", "conflict", "submitted", "approved")), 0), else_=1)
    rows = await session.execute(query.order_by(waiting_first, Deal.id.desc()).limit(limit))
    return [
        DealLine(
            reference(deal.id),
            deal.company,
            partner,
            deal.amount,
            deal.currency,
            deal.status,
            deal.expires_at,
            deal.extension_requested_at is not None,
            lead,
        )
        for deal, partner, lead in rows
    ]
