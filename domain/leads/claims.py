"""A partner takes a lead: claim (shark tank), accept or decline (round robin, direct), and passing it on.

Each state change is ONE conditional UPDATE on the lead row through `domain.transitions`
(`… WHERE status = 'offered' …`), the first write of its transaction: whoever gets the row back won, on
SQLite and PostgreSQL, across processes. Only after losing do we read the row again, to explain why in
words that leak nothing the person may not know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, exists, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.errors import Conflict, NotAllowed
from domain.events import publish
from domain.i18n import N_, Nn_
from domain.leads import distribution as dist
from domain.leads.eligibility import open_lead_counts
from domain.leads.events import LeadClaimed
from domain.leads.lookup import LeadCard, card_of, find, find_known, unavailable
from domain.leads.models import Lead, LeadOffer
from domain.leads.policy import HOLDING, LeadPolicy
from domain.models import Partner
from domain.people import PersonView


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


async def _refuse_claim(session: AsyncSession, person: PersonView, ref: str, lead: Lead | None = None) -> NoReturn:
    """Explain a claim that did not happen (or lost the race) without saying anything about other
    partners, nor that the lead exists to a partner that was never offered it.

    `lead`, when given, was read by this transaction with `knows` checked and already shows why."""
    lead = lead or await find_known(session, person, ref)
    if lead.status in HOLDING and lead.partner_id == person.partner_id:
        if lead.holder_person_id == person.id:
            raise Conflict(N_("You already have lead %(lead)s. Send /leads %(lead)s to see it."), lead=lead.external_id)
        raise Conflict(N_("Your team already has lead %(lead)s."), lead=lead.external_id)
    if lead.status == "offered" and lead.mode == "shark_tank":
        raise unavailable(ref)  # open, but not (or no longer) to this partner in this round
    if lead.status in HOLDING:
        raise Conflict(N_("Sorry, lead %(lead)s was already claimed."), lead=lead.external_id)
    raise Conflict(N_("Lead %(lead)s is no longer open for claiming."), lead=lead.external_id)


def partner_only(person: PersonView) -> int:
    if person.partner_id is None:
        raise NotAllowed(N_("Only partner users can do this with a lead."))
    return person.partner_id


async def _check_capacity(session: AsyncSession, partner_id: int, policy: LeadPolicy) -> None:
    partner = await session.get(Partner, partner_id)
    assert partner is not None
    held = (await open_lead_counts(session, [partner_id])).get(partner_id, 0)
    if held >= policy.capacity_of(partner.tier):
        raise Conflict(
            Nn_(
                "Your team already holds %(count)s open lead, its limit. Update or release it first.",
                "Your team already holds %(count)s open leads, its limit. Update or release one first.",
            ),
            count=held,
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


async def refuse_unclaimable(session: AsyncSession, person: PersonView, ref: str) -> Lead:
    """Refuse early a claim that cannot win (claimed already, not offered to them); the lead otherwise.

    Early only: the claim's conditional UPDATE decides. (Running this in a read transaction of its own
    before the claim was tried: 200 simultaneous readers on SQLite cost the winner more than the
    queued losers, see benchmarks/leads_claim_storm.py.)
    """
    lead = await find_known(session, person, ref)
    if lead.status != "offered" or lead.mode != "shark_tank":
        await _refuse_claim(session, person, ref, lead)  # what was just read says why: a storm's losers
    if not await transitions.possible(session, Lead, lead.id, "offered", *_claimable_by(partner_only(person))):
        await _refuse_claim(session, person, ref)  # the state may have moved since it was read: look again
    return lead


async def claim(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy) -> Claimed:
    """Claim a shark-tank lead: one conditional UPDATE decides the single winner."""
    partner_id = partner_only(person)
    lead = await refuse_unclaimable(session, person, ref)
    claimable = _claimable_by(partner_id)
    await _check_capacity(session, partner_id, policy)
    zones = await dist.partner_zones(session, [partner_id])
    values = {"status": "claimed", **_holding_values(lead, person, now, policy, zones)}
    row = await transitions.transition(session, Lead, lead.id, "offered", values, *claimable)
    if row is None:
        await _refuse_claim(session, person, ref)
    round_ = int(row.round)
    lead = await find(session, ref)
    await settle_offers(session, lead.id, round_, partner_id, now)
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
    await publish(session, LeadClaimed(card, person.id, round_), now)  # the winner's card, with the claim
    return Claimed(card, round_)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


async def settle_offers(session: AsyncSession, lead_id: int, round_: int, winner: int | None, now: dt.datetime) -> None:
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
    partner_id = partner_only(person)
    lead = await find_known(session, person, ref)
    zones = await dist.partner_zones(session, [partner_id])
    values = {"status": "accepted", **_holding_values(lead, person, now, policy, zones)}
    if await transitions.transition(session, Lead, lead.id, "assigned", values, Lead.partner_id == partner_id) is None:
        await _refuse_assignment(session, person, ref)
    lead = await find(session, ref)
    await settle_offers(session, lead.id, lead.round, partner_id, now)
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
    partner_id = partner_only(person)
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
    await settle_offers(session, lead.id, round_, None, now)
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
