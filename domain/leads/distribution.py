"""Distribution: shark tank, round robin and direct assignment, and the events each one publishes.

Every function runs inside the caller's transaction and publishes its events there (domain.events;
domain/leads/notifications.py turns them into outbox rows), so a lead is never offered without its
offer messages, nor messages sent for an offer that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import fallback_cams
from domain.events import publish
from domain.leads import notifications  # noqa: F401  (registers who hears of each lead event)
from domain.leads.eligibility import Verdict, eligible, judge, open_lead_counts
from domain.leads.events import CamAttentionNeeded, LeadAssigned, LeadFacts, LeadOffered, OfferClosed
from domain.leads.models import Lead, LeadEvent, LeadOffer, LeadRotation
from domain.leads.policy import LeadPolicy
from domain.models import Partner

logger = logging.getLogger(__name__)

NO_DUES: dict[str, Any] = {
    "offer_expires_at": None,
    "acceptance_due_at": None,
    "reminder_due_at": None,
    "followup_due_at": None,
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
    partner_ids = tuple(v.partner_id for v in verdicts)
    await publish(
        session,
        LeadOffered(lead.id, lead.round, LeadFacts.of(lead), partner_ids, lead.offer_expires_at),
        now,
    )
    return Distribution("shark_tank", "offered", partner_ids)


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
    assigned = LeadAssigned(lead.id, lead.round, LeadFacts.of(lead), verdict.partner_id, lead.acceptance_due_at, mode)
    await publish(session, assigned, now)
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
    """The round's offer is over: its message loses its buttons in every chat it reached."""
    return await publish(session, OfferClosed(lead.id, round_, LeadFacts.of(lead), outcome), now)


async def alert_cams(
    session: AsyncSession,
    lead: Lead,
    reason: str,
    partners: Sequence[Partner],
    now: dt.datetime,
    policy: LeadPolicy,
    **extra: Any,
) -> int:
    """The lead needs its CAM (unclaimed, reclaimed, declined, not accepted, no partner): say so, with
    up to three partners the rules would allow in their place."""
    partner_ids = tuple(p.id for p in partners)
    if (
        not policy.cam_channel
        and not any(p.cam_channel or p.cam_email for p in partners)
        and not await fallback_cams(session, lead.region)
    ):
        # Nobody to tell: skip the eligibility pass the suggestions would need (a sweep may do this often).
        logger.info("lead %s: %s, but no CAM channel or CAM to alert", lead.external_id, reason)
        return 0
    excluded = set(lead.excluded_partner_ids or []) | {p.id for p in partners if reason != "unclaimed"}
    suggestions = tuple(
        (v.partner_id, v.partner_name) for v in await eligible(session, lead, policy) if v.partner_id not in excluded
    )[:3]
    needed = CamAttentionNeeded(
        lead.id,
        lead.round,
        LeadFacts.of(lead),
        reason=reason,
        partner_ids=partner_ids,
        partner_names=tuple(p.name for p in partners),
        suggestions=suggestions,
        program_channel=policy.cam_channel,
        extra=extra,
    )
    return await publish(session, needed, now)
