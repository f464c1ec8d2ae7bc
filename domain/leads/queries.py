"""What a person may see: their open leads (admins: their partner's and child partners'), the offers
open to them, and for CAMs why each partner was or was not eligible."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotAllowed, NotFound
from domain.i18n import N_
from domain.leads.eligibility import Verdict, assess
from domain.leads.lookup import LeadCard, card_of, find, find_known, unavailable
from domain.leads.models import Lead, LeadOffer
from domain.leads.policy import HOLDING, LeadPolicy
from domain.models import Partner
from domain.people import PersonView


async def family(session: AsyncSession, partner_id: int) -> list[int]:
    """A partner and its child partners (and their children: a distributor's resellers' resellers)."""
    ids, frontier = [partner_id], [partner_id]
    for _ in range(4):
        frontier = list((await session.scalars(select(Partner.id).where(Partner.parent_id.in_(frontier)))).all())
        frontier = [p for p in frontier if p not in ids]
        if not frontier:
            break
        ids += frontier
    return ids


async def open_leads(session: AsyncSession, person: PersonView, limit: int = 50) -> list[LeadCard]:
    """Held or waiting-for-acceptance leads this person may see; never another partner's."""
    if person.partner_id is None:
        return []
    if person.role == "partner_admin":
        partners = await family(session, person.partner_id)
        where = and_(Lead.partner_id.in_(partners), Lead.status.in_(("assigned", *HOLDING)))
    else:
        where = or_(
            and_(Lead.holder_person_id == person.id, Lead.partner_id == person.partner_id, Lead.status.in_(HOLDING)),
            and_(Lead.partner_id == person.partner_id, Lead.status == "assigned"),
        )
    leads = (await session.scalars(select(Lead).where(where).order_by(Lead.created_at, Lead.id).limit(limit))).all()
    return [await card_of(session, lead) for lead in leads]


async def open_offers(session: AsyncSession, person: PersonView, limit: int = 20) -> list[Lead]:
    """Shark-tank offers the person's partner can still claim (for whoever missed the push)."""
    if person.partner_id is None:
        return []
    query = (
        select(Lead)
        .join(LeadOffer, and_(LeadOffer.lead_id == Lead.id, LeadOffer.round == Lead.round))
        .where(
            LeadOffer.partner_id == person.partner_id,
            LeadOffer.status == "open",
            Lead.status == "offered",
            Lead.mode == "shark_tank",
        )
        .order_by(Lead.offered_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def may_see(session: AsyncSession, person: PersonView, lead: Lead) -> bool:
    if person.role == "admin":
        return True
    if person.role == "cam":
        # DOMAIN.md: a CAM sees the partners whose cam_email is theirs; a lead nobody holds yet is the
        # program's pool, which every CAM works (`unclaimed`, `why`, `assign`).
        if lead.partner_id is None:
            return True
        cam_email = await session.scalar(select(Partner.cam_email).where(Partner.id == lead.partner_id))
        return cam_email is not None and cam_email.lower() == person.email.lower()
    if person.partner_id is None or lead.partner_id is None:
        return False
    if person.role == "partner_admin":
        return lead.partner_id in await family(session, person.partner_id)
    return lead.holder_person_id == person.id or (lead.status == "assigned" and lead.partner_id == person.partner_id)


async def visible(session: AsyncSession, person: PersonView, ref: str) -> Lead:
    """The lead `ref` names, if this person may see it; otherwise the same answer as for no such lead."""
    try:
        lead = await find_known(session, person, ref)
    except NotFound:
        if person.role in ("cam", "admin"):  # they see every lead: "there is none" tells them nothing more
            raise
        raise unavailable(ref) from None
    if not await may_see(session, person, lead):
        raise unavailable(ref)
    return lead


@dataclass(frozen=True)
class Explanation:
    card: LeadCard
    verdicts: list[Verdict]
    offered: dict[int, tuple[str, int, str]]
    """Per partner, its latest offer: the mode, the round and how the offer ended (`open`, `won`,
    `lost`, `expired`)."""


async def explain(session: AsyncSession, person: PersonView, ref: str, policy: LeadPolicy) -> Explanation:
    """Why each partner is or is not eligible now, and how each was offered the lead so far (CAMs)."""
    if person.role not in ("cam", "admin"):
        raise NotAllowed(N_("Only CAMs can ask why a lead went where it went."))
    lead = await find(session, ref)
    verdicts = await assess(session, lead, policy, region_only=False)
    if person.role == "cam":
        mine = set((await session.scalars(select(Partner.id).where(Partner.cam_email == person.email))).all())
        verdicts = [v for v in verdicts if v.partner_id in mine]
    offers = (
        await session.execute(
            select(LeadOffer.partner_id, LeadOffer.round, LeadOffer.status, LeadOffer.mode)
            .where(LeadOffer.lead_id == lead.id)
            .order_by(LeadOffer.round)
        )
    ).all()
    offered = {pid: (mode, rnd, status) for pid, rnd, status, mode in offers}
    return Explanation(await card_of(session, lead), verdicts, offered)
