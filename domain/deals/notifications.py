"""Who hears of what happens to a registration, how urgently and in which template: deal events → outbox.

The CAM's alert is one push kind (`deal.cam_alert`) under the ref key `dealcam:<id>`: the first push posts
it, every later one edits it in place (who decided and when, buttons gone). The partner hears on their own
platform; a decision is urgent (DOMAIN.md "Notifications"). The partner never learns who else registered
the customer: the other registration is only in the CAM's payload.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import cam_targets, target_key
from domain.commissions.models import CommissionLine
from domain.deals.events import DealChanged, DealClosed, DealDecided, ProtectionEnded, ProtectionEnding
from domain.deals.models import Deal, reference
from domain.events import notifies
from domain.leads.models import Lead
from domain.models import Partner, Person
from domain.outbox import IN_THREAD_OF, Push, enqueue_many


def alert_ref(deal_id: int) -> str:
    return f"dealcam:{deal_id}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def deal_facts(session: AsyncSession, deal: Deal) -> dict[str, Any]:
    """The registration as the CAM sees it (the renderers word it)."""
    partner = await session.get(Partner, deal.partner_id)
    who = await session.get(Person, deal.registered_by_id)
    decider = await session.get(Person, deal.decided_by_id) if deal.decided_by_id else None
    lead = await session.get(Lead, deal.lead_id) if deal.lead_id else None
    return {
        "ref": reference(deal.id),
        "partner": partner.name if partner else "",
        "tier": deal.tier,
        "registered_by": who.name if who else "",
        "company": deal.company,
        "domain": deal.domain,
        "contact": f"{deal.contact_name} <{deal.contact_email}>",
        "amount": str(deal.amount),
        "currency": deal.currency,
        "close_date": deal.close_date.isoformat(),
        "product": deal.product,
        "notes": deal.notes or "",
        "lead": lead.external_id if lead else None,
        "status": deal.status,
        "reason": deal.reason,
        "answer": deal.partner_answer,
        "decided_by": decider.name if decider else None,
        "decided_at": _iso(deal.decided_at),
        "expires_at": _iso(deal.expires_at),
        "extension_requested": deal.extension_requested_at is not None,
        "timezone": (who.timezone if who else None) or (partner.timezone if partner else None),
    }


async def _deal(session: AsyncSession, deal_id: int) -> Deal:
    return (
        await session.scalars(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).one()


async def alert_facts(session: AsyncSession, deal: Deal) -> dict[str, Any]:
    """What the CAM's alert shows: the deal and, in a conflict, the other registration."""
    payload = await deal_facts(session, deal)
    if deal.conflict_with_id:
        other = await session.get(Deal, deal.conflict_with_id)
        if other is not None:
            payload["conflict"] = await deal_facts(session, other)
    return payload


@notifies(DealChanged)
async def cam_alert(session: AsyncSession, event: DealChanged, now: dt.datetime) -> int:
    """Post the CAM's alert, or edit it to show the change; a conflict shows both registrations."""
    deal = await _deal(session, event.deal_id)
    payload = await alert_facts(session, deal)
    pushes = []
    for target in await cam_targets(session, (deal.partner_id,), event.program_channel):
        where = target_key(target)
        pushes.append(
            Push(
                key=f"deal.cam:{deal.id}:{event.version}:{where}",
                kind="deal.cam_alert",
                payload=payload,
                ref_key=alert_ref(deal.id),
                **target,
            )
        )
        if event.note:
            pushes.append(
                Push(
                    key=f"deal.cam_note:{deal.id}:{event.version}:{where}",
                    kind="deal.cam_note",
                    payload={**payload, "note": event.note, IN_THREAD_OF: alert_ref(deal.id)},
                    **target,
                )
            )
    return await enqueue_many(session, pushes, now=now)


async def _to_registrant(
    session: AsyncSession, deal: Deal, kind: str, key: str, extra: dict[str, Any], now: dt.datetime, **options: Any
) -> int:
    payload = {**await deal_facts(session, deal), **extra}
    push = Push(key=key, kind=kind, payload=payload, person_id=deal.registered_by_id, **options)
    return await enqueue_many(session, [push], now=now)


@notifies(DealDecided)
async def decision_to_partner(session: AsyncSession, event: DealDecided, now: dt.datetime) -> int:
    """The partner hears the CAM's decision at once; a question can be answered by replying to it."""
    deal = await _deal(session, event.deal_id)
    return await _to_registrant(
        session,
        deal,
        "deal.decided",
        f"deal.decided:{deal.id}:{event.version}",
        {"decision": event.decision},
        now,
        urgent=True,
        ref_key=f"deal:{deal.id}:{event.decision}:{event.version}",
    )


@notifies(ProtectionEnding)
async def protection_reminder(session: AsyncSession, event: ProtectionEnding, now: dt.datetime) -> int:
    deal = await _deal(session, event.deal_id)
    return await _to_registrant(
        session,
        deal,
        "deal.protection_ending",
        f"deal.ending:{deal.id}:{deal.expires_at}:{event.days_left}",
        {"days_left": event.days_left},
        now,
        business_days_only=True,  # a reminder, not news: on the partner's business days (DOMAIN.md)
    )


@notifies(ProtectionEnded)
async def protection_ended(session: AsyncSession, event: ProtectionEnded, now: dt.datetime) -> int:
    deal = await _deal(session, event.deal_id)
    return await _to_registrant(session, deal, "deal.expired", f"deal.expired:{deal.id}", {}, now)


@notifies(DealClosed)
async def deal_closed(session: AsyncSession, event: DealClosed, now: dt.datetime) -> int:
    """Won or lost; a won deal tells the commission it accrued."""
    deal = await _deal(session, event.deal_id)
    line = await session.scalar(select(CommissionLine).where(CommissionLine.deal_id == deal.id))
    extra = {"outcome": event.outcome, "commission": str(line.amount) if line else None}
    return await _to_registrant(session, deal, "deal.closed", f"deal.closed:{deal.id}:{event.outcome}", extra, now)
