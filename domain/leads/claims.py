"""What partners (and CAMs) do with a lead: claim, accept, decline, update, release, convert, assign.

Each state change is ONE conditional UPDATE on the lead row through `domain.transitions`
(`… WHERE status = 'offered' …`), the first write of its transaction: whoever gets the row back won, on
SQLite and PostgreSQL, across processes. Only after losing do we read the row again, to explain why in
words that leak nothing the person may not know. A partner asking about a lead that does not exist and
one asking about a lead it was never offered nor holds get the same answer (`unavailable`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.i18n import N_
from domain.leads import distribution as dist
from domain.leads.eligibility import open_lead_counts
from domain.leads.models import Lead, LeadOffer
from domain.leads.policy import HOLDING, STAGE_ORDER, STAGES, LeadPolicy
from domain.leads.winner import queue_winner_card
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
        ref=dist.lead_ref(lead),
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
        if person.role == "partner_admin" and person.partner_id in await _parents(session, lead.partner_id):
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


def _holding_values(
    lead: Lead, person: PersonView, now: dt.datetime, policy: LeadPolicy, zones: list[str | None]
) -> dict[str, Any]:
    """The holder and the follow-up clock: reminder at half the SLA, reclaim at its end, in business days."""
    sla = policy.sla(lead.priority)
    return {
        **dist.NO_DUES,
        "partner_id": person.partner_id,
        "holder_person_id": person.id,
        "held_since": now,
        "stage_changed_at": now,
        "updated_at": now,
        "reminder_due_at": policy.deadline(now, sla / 2, zones),
        "followup_due_at": policy.deadline(now, sla, zones),
    }


async def _refuse_claim(session: AsyncSession, person: PersonView, ref: str) -> NoReturn:
    """Explain a claim that did not happen (or lost the race) without saying anything about other
    partners, nor that the lead exists to a partner that was never offered it."""
    lead = await find_known(session, person, ref)
    if lead.status in HOLDING and lead.partner_id == person.partner_id:
        if lead.holder_person_id == person.id:
            raise Conflict(N_("You already have lead %(lead)s. Send /leads %(lead)s to see it."), lead=lead.external_id)
        raise Conflict(N_("Your team already has lead %(lead)s."), lead=lead.external_id)
    if lead.status == "offered" and lead.mode == "shark_tank":
        raise unavailable(ref)  # open, but not (or no longer) to this partner in this round
    if lead.status in HOLDING:
        raise Conflict(N_("Sorry, lead %(lead)s was already claimed."), lead=lead.external_id)
    raise Conflict(N_("Lead %(lead)s is no longer open for claiming."), lead=lead.external_id)


def _partner_only(person: PersonView) -> int:
    if person.partner_id is None:
        raise NotAllowed(N_("Only partner users can do this with a lead."))
    return person.partner_id


async def _check_capacity(session: AsyncSession, partner_id: int, policy: LeadPolicy) -> None:
    partner = await session.get(Partner, partner_id)
    assert partner is not None
    held = (await open_lead_counts(session, [partner_id])).get(partner_id, 0)
    if held >= policy.capacity_of(partner.tier):
        raise Conflict(
            N_("Your team already holds %(count)s open leads, its limit. Update or release one first."), count=held
        )


@dataclass(frozen=True)
class Claimed:
    card: LeadCard
    round: int


def _claimable_by(partner_id: int) -> tuple[ColumnElement[bool], ...]:
    """The claim predicate besides `status = 'offered'`, written once: a shark-tank lead with an open
    offer to this partner in its current round."""
    open_offer = exists().where(
        LeadOffer.lead_id == Lead.id,
        LeadOffer.round == Lead.round,
        LeadOffer.partner_id == partner_id,
        LeadOffer.status == "open",
    )
    return (Lead.mode == "shark_tank", open_offer)


async def claim(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy) -> Claimed:
    """Claim a shark-tank lead: one conditional UPDATE decides the single winner."""
    partner_id = _partner_only(person)
    lead = await find_known(session, person, ref)
    claimable = _claimable_by(partner_id)
    if not await transitions.possible(session, Lead, lead.id, "offered", *claimable):
        await _refuse_claim(session, person, ref)
    await _check_capacity(session, partner_id, policy)
    zones = await dist.partner_zones(session, [partner_id])
    values = {"status": "claimed", **_holding_values(lead, person, now, policy, zones)}
    row = await transitions.transition(session, Lead, lead.id, "offered", values, *claimable)
    if row is None:
        await _refuse_claim(session, person, ref)
    round_ = int(row.round)
    lead = await find(session, ref)
    await _settle_offers(session, lead.id, round_, partner_id, now)
    dist.event(
        session, lead, "claimed", now, partner_id=partner_id, person_id=person.id, offered_at=_iso(lead.offered_at)
    )
    await dist.close_offer_messages(
        session,
        lead,
        round_,
        now,
        {"outcome": "claimed", "by_person_id": person.id, "by_name": person.name, "by_partner_id": partner_id},
    )
    card = await card_of(session, lead)
    await queue_winner_card(session, card, person.id, round_, now)  # in the claim's transaction
    return Claimed(card, round_)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


async def _settle_offers(
    session: AsyncSession, lead_id: int, round_: int, winner: int | None, now: dt.datetime
) -> None:
    await session.execute(
        update(LeadOffer)
        .where(LeadOffer.lead_id == lead_id, LeadOffer.round == round_, LeadOffer.status == "open")
        .values(status="lost", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if winner is not None:
        await session.execute(
            update(LeadOffer)
            .where(LeadOffer.lead_id == lead_id, LeadOffer.round == round_, LeadOffer.partner_id == winner)
            .values(status="won")
            .execution_options(synchronize_session=False)
        )


async def accept(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy) -> Claimed:
    """Accept a round-robin or direct assignment made to the person's partner."""
    partner_id = _partner_only(person)
    lead = await find_known(session, person, ref)
    zones = await dist.partner_zones(session, [partner_id])
    values = {"status": "accepted", **_holding_values(lead, person, now, policy, zones)}
    if await transitions.transition(session, Lead, lead.id, "assigned", values, Lead.partner_id == partner_id) is None:
        await _refuse_assignment(session, person, ref)
    lead = await find(session, ref)
    await _settle_offers(session, lead.id, lead.round, partner_id, now)
    dist.event(
        session, lead, "accepted", now, partner_id=partner_id, person_id=person.id, offered_at=_iso(lead.offered_at)
    )
    await dist.close_offer_messages(
        session,
        lead,
        lead.round,
        now,
        {"outcome": "accepted", "by_person_id": person.id, "by_name": person.name, "by_partner_id": partner_id},
    )
    return Claimed(await card_of(session, lead), lead.round)


async def _refuse_assignment(session: AsyncSession, person: PersonView, ref: str) -> NoReturn:
    lead = await find_known(session, person, ref)
    if lead.status in HOLDING and lead.partner_id == person.partner_id:
        raise Conflict(N_("Your team already accepted lead %(lead)s."), lead=lead.external_id)
    raise Conflict(N_("Lead %(lead)s is not waiting for your answer any more."), lead=lead.external_id)


async def decline(
    session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy
) -> dist.Distribution:
    """Say no to an assignment: the CAM hears of it and the lead moves on to the next partner."""
    partner_id = _partner_only(person)
    lead = await find_known(session, person, ref)
    values = {"status": "new", "acceptance_due_at": None, "updated_at": now}
    if await transitions.transition(session, Lead, lead.id, "assigned", values, Lead.partner_id == partner_id) is None:
        await _refuse_assignment(session, person, ref)
    lead = await find(session, ref)
    return await pass_on(
        session,
        lead,
        partner_id,
        "declined",
        now,
        policy,
        person_id=person.id,
        by_name=person.name,
        alert_reason="declined",
    )


async def pass_on(
    session: AsyncSession,
    lead: Lead,
    partner_id: int,
    why: str,
    now: dt.datetime,
    policy: LeadPolicy,
    *,
    person_id: int | None = None,
    by_name: str | None = None,
    alert_reason: str | None = None,
) -> dist.Distribution:
    """A partner is out of this lead (declined, timed out, released, reclaimed): exclude it, tell the
    CAM when asked, close its messages and distribute again without it."""
    round_ = lead.round
    lead.excluded_partner_ids = sorted({*(lead.excluded_partner_ids or []), partner_id})
    await _settle_offers(session, lead.id, round_, None, now)
    dist.event(session, lead, why, now, partner_id=partner_id, person_id=person_id)
    if why in ("declined", "expired"):
        await dist.close_offer_messages(
            session, lead, round_, now, {"outcome": why, "by_name": by_name or "", "by_partner_id": partner_id}
        )
    partner = await session.get(Partner, partner_id)
    if alert_reason and partner is not None:
        await dist.alert_cams(session, lead, alert_reason, [partner], now, policy, by_name=by_name or "")
    mode = "shark_tank" if lead.assignment == "shark_tank" and why in ("reclaimed", "released") else "round_robin"
    return await dist.distribute(session, lead, now, policy, mode=mode)


async def _parents(session: AsyncSession, partner_id: int | None) -> list[int]:
    chain: list[int] = []
    while partner_id is not None and len(chain) < 5:
        chain.append(partner_id)
        partner_id = await session.scalar(select(Partner.parent_id).where(Partner.id == partner_id))
    return chain


async def _held_by_caller(session: AsyncSession, person: PersonView, ref: str) -> Lead:
    """The lead, if this person may work it: its holder, or an admin of its partner or a parent."""
    _partner_only(person)
    lead = await find_known(session, person, ref)
    allowed = False
    if lead.partner_id is not None and lead.status in HOLDING:
        if person.role == "partner_admin":
            allowed = person.partner_id in await _parents(session, lead.partner_id)
        else:
            allowed = lead.holder_person_id == person.id
    if not allowed:
        if lead.partner_id is not None and lead.partner_id == person.partner_id and lead.status not in HOLDING:
            raise Conflict(N_("Lead %(lead)s is closed (%(status)s)."), lead=lead.external_id, status=lead.status)
        raise unavailable(ref)
    return lead


def _still_held(lead: Lead) -> tuple[ColumnElement[bool], ...]:
    """Guards of a holder's transition: the same partner and holder still have it."""
    held_by = lead.holder_person_id
    holder = Lead.holder_person_id.is_(None) if held_by is None else Lead.holder_person_id == held_by
    return (Lead.partner_id == lead.partner_id, holder)


@dataclass(frozen=True)
class Updated:
    card: LeadCard
    stage: str
    first: bool
    within_sla: bool


async def update_stage(
    session: AsyncSession,
    person: PersonView,
    ref: str,
    stage: str,
    now: dt.datetime,
    *,
    reason: str | None = None,
) -> Updated:
    """Record progress; the first update keeps the follow-up SLA and stops its clock."""
    if stage not in STAGES:
        raise InvalidInput(N_("Unknown stage %(stage)s."), stage=stage)
    lead = await _held_by_caller(session, person, ref)
    if stage == "disqualified" and not (reason or "").strip():
        raise InvalidInput(N_("Say why the lead is disqualified."))
    if stage != "disqualified" and STAGE_ORDER.get(stage, 0) <= STAGE_ORDER.get(lead.status, 0):
        raise Conflict(N_("Lead %(lead)s is already at %(stage)s."), lead=lead.external_id, stage=lead.status)
    values: dict[str, Any] = {"stage_changed_at": now}
    if stage == "disqualified":
        values["closed_at"], values["disqualify_reason"] = now, (reason or "").strip()[:2000]
    return await _progress(session, person, ref, lead, stage, now, values, "updated", stage=stage)


async def convert(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime) -> Updated:
    """Record the conversion (attribution: campaign → lead → deal); the handler opens the deal form."""
    lead = await _held_by_caller(session, person, ref)
    return await _progress(session, person, ref, lead, "converted", now, {"closed_at": now}, "converted")


async def _progress(
    session: AsyncSession,
    person: PersonView,
    ref: str,
    lead: Lead,
    status: str,
    now: dt.datetime,
    values: dict[str, Any],
    event: str,
    **detail: Any,
) -> Updated:
    """Move a held lead on, conditionally on nobody having moved it since we read it.

    The first progress update keeps the follow-up SLA (or misses it) and stops its clocks.
    """
    first = lead.first_update_at is None
    within = first and (lead.followup_due_at is None or now <= lead.followup_due_at)
    changes: dict[str, Any] = {**dist.NO_DUES, **values, "status": status, "updated_at": now}
    if first:
        changes["first_update_at"] = now
    if await transitions.transition(session, Lead, lead.id, lead.status, changes, *_still_held(lead)) is None:
        raise Conflict(N_("Lead %(lead)s changed meanwhile; send /leads to see it now."), lead=lead.external_id)
    dist.event(
        session,
        lead,
        event,
        now,
        partner_id=lead.partner_id,
        person_id=person.id,
        first=first,
        within_sla=within,
        **detail,
    )
    lead = await find(session, ref)
    return Updated(await card_of(session, lead), status, first, within)


async def release(
    session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy
) -> dist.Distribution:
    """Give a lead back at once; it is offered again without this partner."""
    lead = await _held_by_caller(session, person, ref)
    partner_id = lead.partner_id
    assert partner_id is not None
    values = {**dist.NO_DUES, "status": "new", "updated_at": now}
    if await transitions.transition(session, Lead, lead.id, lead.status, values, *_still_held(lead)) is None:
        raise Conflict(N_("Lead %(lead)s changed meanwhile; send /leads to see it now."), lead=lead.external_id)
    lead = await find(session, ref)
    return await pass_on(session, lead, partner_id, "released", now, policy, person_id=person.id)


ASSIGNABLE = ("new", "offered", "assigned", "expired")


def _refuse_cam(lead: Lead) -> None:
    if lead.status not in ASSIGNABLE:
        raise Conflict(
            N_("Lead %(lead)s is already held by a partner (%(status)s)."), lead=lead.external_id, status=lead.status
        )


async def assign_by_cam(
    session: AsyncSession, person: PersonView, ref: str, partner_ref: str, now: dt.datetime, policy: LeadPolicy
) -> dist.Distribution:
    """A CAM assigns a waiting or expired lead directly to one of their partners."""
    if person.role not in ("cam", "admin"):
        raise NotAllowed(N_("Only CAMs can assign leads."))
    lead = await find(session, ref)
    cleaned = partner_ref.strip()
    query = select(Partner).where(Partner.id == int(cleaned) if cleaned.isdigit() else Partner.external_id == cleaned)
    partner = (await session.scalars(query)).first()
    if partner is None:
        raise NotFound(N_("There is no partner %(partner)s."), partner=cleaned)
    if person.role == "cam" and partner.cam_email != person.email:
        raise NotAllowed(N_("%(partner)s is not one of your partners."), partner=partner.name)
    if lead.status not in ASSIGNABLE:
        _refuse_cam(lead)
    old_round, old_status = lead.round, lead.status
    values = {
        **dist.NO_DUES,
        "status": "new",
        "closed_at": None,
        "updated_at": now,
        "direct_partner_id": partner.id,
        "excluded_partner_ids": [p for p in (lead.excluded_partner_ids or []) if p != partner.id],
    }
    if await transitions.transition(session, Lead, lead.id, old_status, values, Lead.round == old_round) is None:
        _refuse_cam(await find(session, ref))
        raise Conflict(N_("Lead %(lead)s changed meanwhile; send /leads to see it now."), lead=lead.external_id)
    lead = await find(session, ref)
    if old_status in ("offered", "assigned"):
        await _settle_offers(session, lead.id, old_round, None, now)
        await dist.close_offer_messages(session, lead, old_round, now, {"outcome": "withdrawn"})
    dist.event(session, lead, "assigned", now, partner_id=partner.id, person_id=person.id)
    return await dist.assign_direct(session, lead, partner.id, now, policy)


async def check_workable(session: AsyncSession, person: PersonView, ref: str) -> None:
    """Refuse early (before a form is filled in) when this person may not work the lead."""
    await _held_by_caller(session, person, ref)
