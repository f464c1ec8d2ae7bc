"""Due work of the leads program, found by indexed due-time columns as of one instant.

Four sweeps: shark-tank offers unclaimed after the offer window (CAM alert, round robin), assignments
not accepted in time (next partner; CAM alert for direct ones), the follow-up reminder at half the SLA,
and the reclaim at its end. Each due lead is handled in its own transaction by a conditional UPDATE that
also clears the due column, so a second run for the same instant finds nothing and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain import transitions
from domain.events import publish
from domain.leads import distribution as dist
from domain.leads.claims import pass_on
from domain.leads.events import FollowupDue, LeadFacts, LeadReclaimed
from domain.leads.models import Lead, LeadOffer
from domain.leads.policy import HOLDING, LeadPolicy
from domain.models import Partner
from domain.sweeps import Sweep, SweepContext, drain_due

Handle = Callable[[AsyncSession, int, dt.datetime, LeadPolicy], Awaitable[int]]


async def _take(
    session: AsyncSession,
    lead_id: int,
    column: Any,
    at: dt.datetime,
    expected: str | tuple[str, ...],
    *conditions: Any,
    **values: Any,
) -> Lead | None:
    """Clear the due column if it is still due and the lead is still in an expected state (one
    conditional transition, see domain.transitions); None when not."""
    changes = {column.key: None, "updated_at": at, **values}
    if await transitions.transition(session, Lead, lead_id, expected, changes, column <= at, *conditions) is None:
        # Stale due time left on a lead that moved on: clear it so it is not looked at again.
        await session.execute(
            update(Lead)
            .where(Lead.id == lead_id, column <= at)
            .values({column.key: None})
            .execution_options(synchronize_session=False)
        )
        return None
    return await session.get(Lead, lead_id, populate_existing=True)


async def offer_expired(session: AsyncSession, lead_id: int, at: dt.datetime, policy: LeadPolicy) -> int:
    """Unclaimed after the window: the offered partners' CAMs are alerted and round robin takes over."""
    lead = await _take(session, lead_id, Lead.offer_expires_at, at, "offered")
    if lead is None:
        return 0
    round_ = lead.round
    partner_ids = (
        await session.scalars(
            select(LeadOffer.partner_id).where(LeadOffer.lead_id == lead.id, LeadOffer.round == round_)
        )
    ).all()
    partners = list((await session.scalars(select(Partner).where(Partner.id.in_(partner_ids)))).all())
    await session.execute(
        update(LeadOffer)
        .where(LeadOffer.lead_id == lead.id, LeadOffer.round == round_, LeadOffer.status == "open")
        .values(status="expired", closed_at=at)
        .execution_options(synchronize_session=False)
    )
    dist.event(session, lead, "expired", at, why="unclaimed", round=round_)
    await dist.close_offer_messages(session, lead, round_, at, {"outcome": "expired"})
    await dist.alert_cams(session, lead, "unclaimed", partners, at, policy)
    await dist.distribute(session, lead, at, policy, mode="round_robin")
    return 1


async def acceptance_expired(session: AsyncSession, lead_id: int, at: dt.datetime, policy: LeadPolicy) -> int:
    """Not accepted in time: the lead moves on to the next partner (direct: the CAM is alerted)."""
    lead = await _take(session, lead_id, Lead.acceptance_due_at, at, "assigned", status="new")
    if lead is None or lead.partner_id is None:
        return 0
    alert = "not_accepted" if lead.mode == "direct" else None
    await pass_on(session, lead, lead.partner_id, "expired", at, policy, alert_reason=alert)
    return 1


async def remind(session: AsyncSession, lead_id: int, at: dt.datetime, policy: LeadPolicy) -> int:
    """Half the follow-up SLA gone without an update: remind the holder, with one-tap progress buttons."""
    lead = await _take(session, lead_id, Lead.reminder_due_at, at, HOLDING, Lead.first_update_at.is_(None))
    if lead is None:
        return 0
    due = FollowupDue(
        lead.id, lead.round, LeadFacts.of(lead), lead.holder_person_id, lead.partner_id, lead.followup_due_at
    )
    return 1 if await publish(session, due, at) else 0


async def reclaim(session: AsyncSession, lead_id: int, at: dt.datetime, policy: LeadPolicy) -> int:
    """SLA over without an update: take the lead back, say why, alert the CAM, offer it without them."""
    lead = await _take(
        session,
        lead_id,
        Lead.followup_due_at,
        at,
        HOLDING,
        Lead.first_update_at.is_(None),
        status="new",
        reminder_due_at=None,
    )
    if lead is None or lead.partner_id is None:  # the transition keeps partner and holder for what follows
        return 0
    before = lead.partner_id
    sla_hours = int(policy.sla(lead.priority).total_seconds() // 3600)
    reclaimed = LeadReclaimed(
        lead.id, lead.round, LeadFacts.of(lead), lead.holder_person_id, lead.partner_id, sla_hours
    )
    await publish(session, reclaimed, at)
    holder = lead.holder_person_id
    await pass_on(session, lead, before, "reclaimed", at, policy, person_id=holder, alert_reason="reclaimed")
    return 1


def sweeps(policy: LeadPolicy) -> tuple[Sweep, ...]:
    def make(column: InstrumentedAttribute[Any], handle: Handle) -> Callable[[SweepContext], Awaitable[int]]:
        async def run(ctx: SweepContext) -> int:
            return await drain_due(
                ctx, column, lambda session, lead_id: handle(session, lead_id, ctx.at, policy), batch=policy.sweep_batch
            )

        return run

    return (
        Sweep("leads_offer_expired", make(Lead.offer_expires_at, offer_expired)),
        Sweep("leads_acceptance_expired", make(Lead.acceptance_due_at, acceptance_expired)),
        Sweep("leads_followup_reminders", make(Lead.reminder_due_at, remind)),
        Sweep("leads_followup_reclaimed", make(Lead.followup_due_at, reclaim)),
    )
