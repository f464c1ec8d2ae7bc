"""Who hears of what happens to a lead, how urgently and in which template: lead events → outbox.

The one place that maps lead events (domain/leads/events.py) to recipients and outbox rows. Services
publish events; they never choose recipients or write the outbox themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import cam_targets, fallback_cams, target_key
from domain.events import notifies
from domain.leads.events import (
    CamAttentionNeeded,
    FollowupDue,
    LeadAssigned,
    LeadClaimed,
    LeadOffered,
    LeadReclaimed,
    OfferClosed,
)
from domain.leads.models import LeadOffer
from domain.linking import invitation_code
from domain.models import Partner, Person
from domain.outbox import Push, enqueue_many
from domain.people import PARTNER_ROLES, by_email, linked_partner_people

WON = "lead.won"


def offer_ref(lead_id: int, round_: int) -> str:
    """The identity of one round's offer/assignment message, so a later push edits it in every chat."""
    return f"lead-offer:{lead_id}:{round_}"


@notifies(LeadOffered)
async def offer_to_partners(session: AsyncSession, event: LeadOffered, now: dt.datetime) -> int:
    payload = {**event.facts.offer(), "expires_at": event.expires_at.isoformat()}
    reached = await linked_partner_people(session, event.partner_ids)
    pushes = [
        Push(
            key=f"lead.offer:{event.lead_id}:{event.round}:{person_id}",
            kind="lead.offer",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(event.lead_id, event.round),
            urgent=True,  # goes ahead of a deferred reminder to the same person (outbox.claim_due)
        )
        for person_id, _partner in reached
    ]
    if event.facts.priority in TIME_CRITICAL:
        pushes += await _invite_unreachable(session, event, now, {partner for _person, partner in reached})
    return await enqueue_many(session, pushes, now=now)


TIME_CRITICAL = ("hot",)


async def _invite_unreachable(
    session: AsyncSession, event: LeadOffered, now: dt.datetime, reached: set[int]
) -> list[Push]:
    """A hot offer to a partner none of whose people the bot can write to yet (imported, but nobody
    has opened the bot) would lapse unseen: its CAM is told whom to invite, with their link codes.
    By direct message only, since a link code lets whoever holds it act as that person."""
    unreachable = [pid for pid in event.partner_ids if pid not in reached]
    if not unreachable:
        return []
    partners = (await session.scalars(select(Partner).where(Partner.id.in_(unreachable)))).all()
    pushes = []
    for partner in partners:
        people = (
            await session.scalars(
                select(Person)
                .where(Person.partner_id == partner.id, Person.role.in_(PARTNER_ROLES))
                .order_by(Person.id)
            )
        ).all()
        if not people:
            continue
        invite = [
            {"name": p.name, "email": p.email, "code": await invitation_code(session, p, now)} for p in people[:5]
        ]
        cam = await by_email(session, partner.cam_email) if partner.cam_email else None
        cams = [{"person_id": cam.id}] if cam else await fallback_cams(session, partner.region)
        payload = {**event.facts.full(), "partner": partner.name, "invite": invite}
        pushes += [
            Push(
                key=f"lead.invite:{event.lead_id}:{event.round}:{partner.id}:{target_key(target)}",
                kind="lead.cam_invite",
                payload=payload,
                urgent=True,
                **target,
            )
            for target in cams
        ]
    return pushes


@notifies(LeadAssigned)
async def assignment_to_partner(session: AsyncSession, event: LeadAssigned, now: dt.datetime) -> int:
    payload = {**event.facts.offer(), "due_at": event.due_at.isoformat(), "mode": event.mode}
    pushes = [
        Push(
            key=f"lead.assigned:{event.lead_id}:{event.round}:{person_id}",
            kind="lead.assigned",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(event.lead_id, event.round),
        )
        for person_id, _partner in await linked_partner_people(session, [event.partner_id])
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(OfferClosed)
async def close_offer_messages(session: AsyncSession, event: OfferClosed, now: dt.datetime) -> int:
    """Edit the round's offer message in every chat it reached: no buttons, and what happened."""
    partner_ids = (
        await session.scalars(
            select(LeadOffer.partner_id).where(LeadOffer.lead_id == event.lead_id, LeadOffer.round == event.round)
        )
    ).all()
    payload = {**event.facts.offer(), **event.outcome}
    pushes = [
        Push(
            key=f"lead.offer_closed:{event.lead_id}:{event.round}:{person_id}",
            kind="lead.offer_closed",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(event.lead_id, event.round),
            edit_only=True,
        )
        for person_id, _partner in await linked_partner_people(session, partner_ids)
    ]
    return await enqueue_many(session, pushes, now=now)


def card_payload(card: Any, at: dt.datetime) -> dict[str, Any]:
    """A `LeadCard` as JSON: datetimes as ISO text, plus the instant of the claim."""
    fields = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in dataclasses.asdict(card).items()}
    return {"card": fields, "at": at.isoformat()}


@notifies(LeadClaimed)
async def winner_card(session: AsyncSession, event: LeadClaimed, now: dt.datetime) -> int:
    """One card per lead, round and winner: an answer to their own press, so quiet hours do not hold it.

    Queued in the claim's transaction: a process that dies after the claim commits still delivers it.
    """
    push = Push(
        key=f"{WON}:{event.card.id}:{event.round}:{event.person_id}",
        kind=WON,
        payload=card_payload(event.card, now),
        person_id=event.person_id,
        urgent=True,
        answer=True,
    )
    return await enqueue_many(session, [push], now=now)


async def _holder_or_partner(session: AsyncSession, holder: int | None, partner_id: int | None) -> list[int]:
    if holder:
        return [holder]
    if partner_id:
        return [pid for pid, _ in await linked_partner_people(session, [partner_id])]
    return []


@notifies(FollowupDue)
async def remind_holder(session: AsyncSession, event: FollowupDue, now: dt.datetime) -> int:
    payload = {**event.facts.full(), "due_at": event.due_at.isoformat() if event.due_at else None}
    pushes = [
        Push(
            key=f"lead.reminder:{event.lead_id}:{event.round}:{person_id}",
            kind="lead.reminder",
            payload=payload,
            person_id=person_id,
            business_days_only=True,
        )
        for person_id in await _holder_or_partner(session, event.holder_person_id, event.partner_id)
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(LeadReclaimed)
async def tell_reclaimed_holder(session: AsyncSession, event: LeadReclaimed, now: dt.datetime) -> int:
    payload = {**event.facts.offer("company"), "sla_hours": event.sla_hours}
    pushes = [
        Push(
            key=f"lead.reclaimed:{event.lead_id}:{event.round}:{person_id}",
            kind="lead.reclaimed",
            payload=payload,
            person_id=person_id,
        )
        for person_id in await _holder_or_partner(session, event.holder_person_id, event.partner_id)
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(CamAttentionNeeded)
async def alert_cams(session: AsyncSession, event: CamAttentionNeeded, now: dt.datetime) -> int:
    """Tell the CAMs (unclaimed, reclaimed, declined, not accepted, no partner) with assign buttons."""
    payload = {
        **event.facts.full(),
        "reason": event.reason,
        "partners": list(event.partner_names)[:10],
        "suggest": [{"id": pid, "name": name} for pid, name in event.suggestions],
        **event.extra,
    }
    pushes = []
    targets = await cam_targets(session, event.partner_ids, event.program_channel)
    for target in targets or await fallback_cams(session, event.facts.region):
        where = target_key(target)
        pushes.append(
            Push(
                key=f"lead.cam:{event.reason}:{event.lead_id}:{event.round}:{where}",
                kind="lead.cam_alert",
                payload=payload,
                **target,
            )
        )
    return await enqueue_many(session, pushes, now=now)
