"""Finding a registration by what people type (`D-000042`, `d42`), and who may see or decide it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.deals.models import Deal
from domain.errors import NotAllowed, NotFound
from domain.i18n import N_
from domain.leads.queries import family
from domain.models import Partner
from domain.people import PersonView

DECIDERS = frozenset({"cam", "admin"})
_REF = re.compile(r"^\s*d[-\s]?0*(\d{1,9})\s*$", re.IGNORECASE)


def deal_id_of(ref: str) -> int | None:
    found = _REF.match(ref or "")
    return int(found[1]) if found else None


def unknown(ref: str) -> NotFound:
    return NotFound(N_("There is no deal %(ref)s that you can see."), ref=(ref or "")[:40])


async def find(session: AsyncSession, ref: str) -> Deal:
    deal_id = deal_id_of(ref)
    deal = (
        await session.scalar(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
        if deal_id
        else None
    )
    if deal is None:
        raise unknown(ref)
    return deal


async def may_decide(session: AsyncSession, person: PersonView, deal: Deal) -> bool:
    """The partner's CAM decides its registrations; an admin any."""
    if person.role == "admin":
        return True
    partner = await session.get(Partner, deal.partner_id)
    return person.role == "cam" and partner is not None and (partner.cam_email or "").lower() == person.email.lower()


async def visible(session: AsyncSession, person: PersonView, ref: str) -> Deal:
    """The deal, if this person may see it: their own; an admin's partner's and child partners'; the CAM's."""
    deal = await find(session, ref)
    if person.role in DECIDERS:
        if await may_decide(session, person, deal):
            return deal
        raise unknown(ref)
    if person.partner_id is None:
        raise unknown(ref)
    if deal.registered_by_id == person.id:
        return deal
    if person.role == "partner_admin" and deal.partner_id in await family(session, person.partner_id):
        return deal
    raise unknown(ref)


async def decidable(session: AsyncSession, person: PersonView, ref: str) -> Deal:
    deal = await find(session, ref)
    if not await may_decide(session, person, deal):
        raise NotAllowed(N_("Only the partner's CAM can decide deal %(ref)s."), ref=deal.ref)
    return deal


async def review(session: AsyncSession, person: PersonView, ref: str) -> dict[str, Any]:
    """The CAM's alert of a deal, on request (`deals` → Review): for its CAM only."""
    from domain.deals.notifications import alert_facts

    return await alert_facts(session, await decidable(session, person, ref))
