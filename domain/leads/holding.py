"""A partner works a lead it holds (update, convert, release); a CAM assigns one.

The same rule as claims.py: each change is one conditional UPDATE through `domain.transitions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.i18n import N_
from domain.leads import distribution as dist
from domain.leads.claims import partner_only, pass_on, settle_offers
from domain.leads.lookup import LeadCard, card_of, find, find_known, parents, unavailable
from domain.leads.models import Lead
from domain.leads.policy import HOLDING, STAGE_ORDER, STAGES, LeadPolicy
from domain.models import Partner
from domain.people import PersonView


async def _held_by_caller(session: AsyncSession, person: PersonView, ref: str) -> Lead:
    """The lead, if this person may work it: its holder, or an admin of its partner or a parent."""
    partner_only(person)
    lead = await find_known(session, person, ref)
    allowed = False
    if lead.partner_id is not None and lead.status in HOLDING:
        if person.role == "partner_admin":
            allowed = person.partner_id in await parents(session, lead.partner_id)
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


async def held(session: AsyncSession, person: PersonView, ref: str) -> LeadCard:
    """The card of a lead this person may work: what the deal form is pre-filled from."""
    return await card_of(session, await _held_by_caller(session, person, ref))


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
        await settle_offers(session, lead.id, old_round, None, now)
        await dist.close_offer_messages(session, lead, old_round, now, {"outcome": "withdrawn"})
    dist.event(session, lead, "assigned", now, partner_id=partner.id, person_id=person.id)
    return await dist.assign_direct(session, lead, partner.id, now, policy)


async def check_workable(session: AsyncSession, person: PersonView, ref: str) -> None:
    """Refuse early (before a form is filled in) when this person may not work the lead."""
    await _held_by_caller(session, person, ref)
