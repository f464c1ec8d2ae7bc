"""Distribution: shark tank, round robin and direct assignment, and the pushes each one owes.

Every function runs inside the caller's transaction and queues its pushes there (outbox), so a lead is
never offered without its offer messages, nor messages sent for an offer that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.addresses import Address
from domain.leads.eligibility import Verdict, eligible, judge, open_lead_counts
from domain.leads.models import Lead, LeadEvent, LeadOffer, LeadRotation
from domain.leads.policy import LeadPolicy
from domain.models import Identity, Partner, Person
from domain.outbox import Push, enqueue, enqueue_many
from domain.people import PARTNER_ROLES

logger = logging.getLogger(__name__)

# The tightest messenger carries "{action}|{value}" in at most 64 bytes; the longest is "lead.update|REF:disqualified".
MAX_REF_BYTES = 36
NO_DUES: dict[str, Any] = {
    "offer_expires_at": None,
    "acceptance_due_at": None,
    "reminder_due_at": None,
    "followup_due_at": None,
}


def lead_ref(lead: Lead) -> str:
    """What buttons carry: the lead id when short enough for every messenger, else `#<row id>`."""
    return lead.external_id if len(lead.external_id.encode()) <= MAX_REF_BYTES else f"#{lead.id}"


def offer_ref(lead_id: int, round_: int) -> str:
    """The identity of one round's offer/assignment message, so a later push edits it in every chat."""
    return f"lead-offer:{lead_id}:{round_}"


def public(lead: Lead) -> dict[str, Any]:
    """What an offer may show before a claim: no company name, domain or contact details."""
    return {
        "lead": lead.external_id,
        "ref": lead_ref(lead),
        "priority": lead.priority,
        "region": lead.region,
        "country": lead.country or "",
        "vertical": lead.vertical or "",
        "product": lead.product or "",
        "size": lead.company_size or "",
        "value": lead.estimated_value,
        "currency": lead.currency or "",
    }


def full(lead: Lead) -> dict[str, Any]:
    return {
        **public(lead),
        "company": lead.company,
        "domain": lead.domain or "",
        "contact_name": lead.contact_name or "",
        "contact_email": lead.contact_email or "",
        "contact_phone": lead.contact_phone or "",
        "campaign": lead.campaign or "",
        "notes": lead.notes or "",
    }


def event(
    session: AsyncSession,
    lead: Lead,
    kind: str,
    now: dt.datetime,
    *,
    partner_id: int | None = None,
    person_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        LeadEvent(lead_id=lead.id, kind=kind, partner_id=partner_id, person_id=person_id, at=now, detail=detail)
    )


async def recipients(session: AsyncSession, partner_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(person id, partner id) of every linked rep/admin of these partners."""
    ids = list(partner_ids)
    if not ids:
        return []
    linked = exists().where(Identity.person_id == Person.id, Identity.linked_at.is_not(None))
    rows = await session.execute(
        select(Person.id, Person.partner_id)
        .where(Person.partner_id.in_(ids), Person.role.in_(PARTNER_ROLES), linked)
        .order_by(Person.id)
    )
    return [(pid, partner) for pid, partner in rows.all() if partner is not None]


async def partner_zones(session: AsyncSession, partner_ids: Iterable[int]) -> list[str | None]:
    """The timezones of these partners' calendars (None: the program's), for `LeadPolicy.deadline`."""
    ids = list(partner_ids)
    if not ids:
        return []
    return list((await session.scalars(select(Partner.timezone).where(Partner.id.in_(ids)))).all())


@dataclass(frozen=True)
class Distribution:
    mode: str
    status: str
    partner_ids: tuple[int, ...]


async def distribute(
    session: AsyncSession, lead: Lead, now: dt.datetime, policy: LeadPolicy, *, mode: str | None = None
) -> Distribution:
    """Send a lead on its way by `mode` (default: its current mode); the lead row must be flushed."""
    mode = mode or lead.mode or lead.assignment
    if mode == "direct" and lead.direct_partner_id is not None:
        return await assign_direct(session, lead, lead.direct_partner_id, now, policy)
    if mode == "shark_tank":
        return await shark_tank(session, lead, now, policy)
    return await round_robin(session, lead, now, policy)


def _start_round(lead: Lead, mode: str, status: str, now: dt.datetime) -> None:
    lead.round = (lead.round or 0) + 1
    lead.mode, lead.status = mode, status
    lead.partner_id, lead.holder_person_id = None, None
    lead.offered_at, lead.held_since, lead.updated_at = now, None, now
    for column, value in NO_DUES.items():
        setattr(lead, column, value)


async def shark_tank(session: AsyncSession, lead: Lead, now: dt.datetime, policy: LeadPolicy) -> Distribution:
    """Offer to every eligible partner at once; the first claim wins (claims.claim)."""
    verdicts = await eligible(session, lead, policy)
    if not verdicts:
        return await no_partner(session, lead, now, policy)
    _start_round(lead, "shark_tank", "offered", now)
    zones = await partner_zones(session, [v.partner_id for v in verdicts])
    lead.offer_expires_at = policy.deadline(now, policy.offer_window, zones)
    _add_offers(session, lead, verdicts, "shark_tank", now)
    payload = {**public(lead), "expires_at": lead.offer_expires_at.isoformat()}
    pushes = [
        Push(
            key=f"lead.offer:{lead.id}:{lead.round}:{person_id}",
            kind="lead.offer",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(lead.id, lead.round),
            urgent=True,  # goes ahead of a deferred reminder to the same person (outbox.claim_due)
        )
        for person_id, _partner in await recipients(session, [v.partner_id for v in verdicts])
    ]
    await enqueue_many(session, pushes, now=now)
    return Distribution("shark_tank", "offered", tuple(v.partner_id for v in verdicts))


def _add_offers(session: AsyncSession, lead: Lead, verdicts: Sequence[Verdict], mode: str, now: dt.datetime) -> None:
    for v in verdicts:
        reasons = [r.to_dict() for r in v.reasons]
        session.add(LeadOffer(lead_id=lead.id, round=lead.round, partner_id=v.partner_id, mode=mode, reasons=reasons))
        session.add(LeadEvent(lead_id=lead.id, kind="offered", partner_id=v.partner_id, at=now, detail={"mode": mode}))


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def pick_round_robin(session: AsyncSession, verdicts: Sequence[Verdict], policy: LeadPolicy) -> Verdict | None:
    """Smooth weighted round robin (platinum 3, gold 2, others 1) over the eligible partners.

    Each candidate gains its weight, the highest wins and pays back the total: over time every partner
    gets its weight's share, interleaved rather than in bursts. The state is a row per partner, locked
    on PostgreSQL so two simultaneous assignments do not lose a turn.
    """
    if not verdicts:
        return None
    ids = [v.partner_id for v in verdicts]
    insert = _insert(session)
    await session.execute(
        insert(LeadRotation)
        .values([{"partner_id": pid, "current": 0, "assigned": 0} for pid in ids])
        .on_conflict_do_nothing(index_elements=["partner_id"])
    )
    query = select(LeadRotation).where(LeadRotation.partner_id.in_(ids)).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    state = {r.partner_id: r for r in (await session.scalars(query)).all()}
    total = 0
    for v in verdicts:
        weight = policy.weight_of(v.tier)
        state[v.partner_id].current += weight
        total += weight
    best = max(verdicts, key=lambda v: (state[v.partner_id].current, -v.partner_id))
    state[best.partner_id].current -= total
    state[best.partner_id].assigned += 1
    return best


async def round_robin(session: AsyncSession, lead: Lead, now: dt.datetime, policy: LeadPolicy) -> Distribution:
    picked = await pick_round_robin(session, await eligible(session, lead, policy), policy)
    if picked is None:
        return await no_partner(session, lead, now, policy)
    return await _assign(session, lead, picked, "round_robin", now, policy)


async def assign_direct(
    session: AsyncSession, lead: Lead, partner_id: int, now: dt.datetime, policy: LeadPolicy
) -> Distribution:
    """The named partner gets it whatever the rules say (the reasons are still kept for the record)."""
    partner = await session.get(Partner, partner_id)
    if partner is None:
        return await round_robin(session, lead, now, policy)
    counts = await open_lead_counts(session, [partner_id])
    return await _assign(session, lead, judge(lead, partner, counts.get(partner_id, 0), policy), "direct", now, policy)


async def _assign(
    session: AsyncSession, lead: Lead, verdict: Verdict, mode: str, now: dt.datetime, policy: LeadPolicy
) -> Distribution:
    _start_round(lead, mode, "assigned", now)
    lead.partner_id = verdict.partner_id
    zones = await partner_zones(session, [verdict.partner_id])
    lead.acceptance_due_at = policy.deadline(now, policy.acceptance_window, zones)
    _add_offers(session, lead, [verdict], mode, now)
    payload = {**public(lead), "due_at": lead.acceptance_due_at.isoformat(), "mode": mode}
    for person_id, _partner in await recipients(session, [verdict.partner_id]):
        await enqueue(
            session,
            key=f"lead.assigned:{lead.id}:{lead.round}:{person_id}",
            kind="lead.assigned",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(lead.id, lead.round),
            now=now,
        )
    return Distribution(mode, "assigned", (verdict.partner_id,))


async def no_partner(session: AsyncSession, lead: Lead, now: dt.datetime, policy: LeadPolicy) -> Distribution:
    """Nobody is eligible (any more): the lead expires and the CAMs hear about it."""
    lead.status, lead.closed_at, lead.updated_at = "expired", now, now
    lead.partner_id, lead.holder_person_id = None, None
    for column, value in NO_DUES.items():
        setattr(lead, column, value)
    event(session, lead, "expired", now, why="no_partner")
    excluded = list(lead.excluded_partner_ids or [])
    partners = list((await session.scalars(select(Partner).where(Partner.id.in_(excluded)))).all()) if excluded else []
    await alert_cams(session, lead, "no_partner", partners, now, policy)
    return Distribution(lead.mode, "expired", ())


async def close_offer_messages(
    session: AsyncSession, lead: Lead, round_: int, now: dt.datetime, outcome: dict[str, Any]
) -> int:
    """Edit the round's offer message in every chat it reached: no buttons, and what happened."""
    partner_ids = (
        await session.scalars(
            select(LeadOffer.partner_id).where(LeadOffer.lead_id == lead.id, LeadOffer.round == round_)
        )
    ).all()
    payload = {**public(lead), **outcome}
    pushes = [
        Push(
            key=f"lead.offer_closed:{lead.id}:{round_}:{person_id}",
            kind="lead.offer_closed",
            payload=payload,
            person_id=person_id,
            ref_key=offer_ref(lead.id, round_),
            edit_only=True,
        )
        for person_id, _partner in await recipients(session, partner_ids)
    ]
    return await enqueue_many(session, pushes, now=now)


def _address_target(address: Address) -> dict[str, Any]:
    return {"platform": address.platform, "chat_id": address.chat_id}


async def cam_targets(session: AsyncSession, partners: Sequence[Partner], policy: LeadPolicy) -> list[dict[str, Any]]:
    """Where CAM alerts go: the partner's own channel, else the program's CAM channel, else the CAM."""
    targets: dict[str, dict[str, Any]] = {}
    if not partners and policy.cam_channel:
        targets[str(policy.cam_channel)] = _address_target(policy.cam_channel)
    for partner in partners:
        channel = Address.parse(partner.cam_channel) or policy.cam_channel
        if channel:
            targets.setdefault(str(channel), _address_target(channel))
        elif partner.cam_email:
            cam_id = await session.scalar(select(Person.id).where(Person.email == partner.cam_email))
            if cam_id is not None:
                targets.setdefault(f"person:{cam_id}", {"person_id": cam_id})
    return list(targets.values())


async def alert_cams(
    session: AsyncSession,
    lead: Lead,
    reason: str,
    partners: Sequence[Partner],
    now: dt.datetime,
    policy: LeadPolicy,
    **extra: Any,
) -> int:
    """Tell the CAMs (unclaimed, reclaimed, declined, not accepted, no partner) with assign buttons."""
    targets = await cam_targets(session, partners, policy)
    if not targets:
        logger.info("lead %s: %s, but no CAM channel or CAM to alert", lead.external_id, reason)
        return 0
    excluded = set(lead.excluded_partner_ids or []) | {p.id for p in partners if reason != "unclaimed"}
    suggestions = [
        {"id": v.partner_id, "name": v.partner_name}
        for v in await eligible(session, lead, policy)
        if v.partner_id not in excluded
    ][:3]
    payload = {
        **full(lead),
        "reason": reason,
        "partners": [p.name for p in partners][:10],
        "suggest": suggestions,
        **extra,
    }
    count = 0
    for target in targets:
        where = target.get("chat_id") or target.get("person_id")
        count += await enqueue(
            session,
            key=f"lead.cam:{reason}:{lead.id}:{lead.round}:{where}",
            kind="lead.cam_alert",
            payload=payload,
            now=now,
            **target,
        )
    return count
