"""Who hears of an onboarding journey: nudges to the partner's linked people (on their business days, in
their hours), the CAM's folded alerts and the 90-day review package."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import cam_targets, target_key
from domain.deals.models import Deal
from domain.events import notifies
from domain.leads.models import LeadEvent
from domain.models import Partner
from domain.onboarding.events import AlertsFound, MilestoneNudge, ReviewDue
from domain.onboarding.models import MilestoneRecord, PendingAlert
from domain.onboarding.tracks import MILESTONES
from domain.outbox import Push, enqueue_many


@notifies(MilestoneNudge)
async def nudge(session: AsyncSession, event: MilestoneNudge, now: dt.datetime) -> int:
    partner = await session.get(Partner, event.partner_id)
    assert partner is not None and partner.joined_on is not None
    milestone = MILESTONES[event.milestone]
    payload = {
        "partner": partner.name,
        "milestone": milestone.key,
        "title": milestone.title,
        "due_on": (partner.joined_on + dt.timedelta(days=milestone.end)).isoformat(),
        "verified": milestone.verified,
    }
    pushes = [
        Push(
            key=f"onboarding.nudge:{partner.id}:{milestone.key}:{event.on}:{person_id}",
            kind="onboarding.nudge",
            payload=payload,
            person_id=person_id,
            business_days_only=True,
        )
        for person_id in event.person_ids
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(AlertsFound)
async def folded_alerts(session: AsyncSession, event: AlertsFound, now: dt.datetime) -> int:
    """One message per CAM (channel or DM) with a line per partner and milestone."""
    alerts = (await session.scalars(select(PendingAlert).where(PendingAlert.id.in_(event.alert_ids)))).all()
    partners = {
        p.id: p
        for p in (await session.scalars(select(Partner).where(Partner.id.in_({a.partner_id for a in alerts})))).all()
    }
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    targets: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        partner = partners[alert.partner_id]
        for target in await cam_targets(session, (partner.id,), event.program_channel):
            targets[target_key(target)] = target
            lines[target_key(target)].append(
                {
                    "partner": partner.name,
                    "partner_id": partner.external_id,
                    "milestone": alert.milestone,
                    "title": MILESTONES[alert.milestone].title if alert.milestone in MILESTONES else "",
                    "kind": alert.kind,
                    "days_late": alert.days_late,
                    "note": alert.note,
                }
            )
    first = min(event.alert_ids)
    pushes = [
        Push(
            key=f"onboarding.alerts:{first}:{where}",
            kind="onboarding.alerts",
            payload={"lines": found},
            **targets[where],
        )
        for where, found in lines.items()
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(ReviewDue)
async def review_package(session: AsyncSession, event: ReviewDue, now: dt.datetime) -> int:
    """Day 90: milestones with dates, certifications, first pipeline, to the partner's CAM."""
    from domain.onboarding.review import package

    payload = await package(session, event.partner_id, event.track)
    pushes = [
        Push(
            key=f"onboarding.review:{event.partner_id}:{target_key(t)}", kind="onboarding.review", payload=payload, **t
        )
        for t in await cam_targets(session, (event.partner_id,), event.program_channel)
    ]
    return await enqueue_many(session, pushes, now=now)


async def pipeline(session: AsyncSession, partner_id: int) -> dict[str, int]:
    claimed = await session.scalar(
        select(func.count(func.distinct(LeadEvent.lead_id))).where(
            LeadEvent.partner_id == partner_id, LeadEvent.kind.in_(("claimed", "accepted"))
        )
    )
    deals = await session.scalar(select(func.count()).select_from(Deal).where(Deal.partner_id == partner_id))
    certified = await session.scalar(
        select(func.count())
        .select_from(MilestoneRecord)
        .where(MilestoneRecord.partner_id == partner_id, MilestoneRecord.milestone.in_(("sales_cert", "tech_cert")))
    )
    return {
        "leads_claimed": int(claimed or 0),
        "deals_registered": int(deals or 0),
        "certified": int(certified or 0),
    }
