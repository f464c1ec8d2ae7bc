"""Who hears of a commission line: a payment notice to the partner; a dispute to the CAM."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import cam_targets, target_key
from domain.commissions.events import CommissionDisputed, CommissionPaid
from domain.commissions.models import CommissionLine
from domain.deals.models import Deal, reference
from domain.events import notifies
from domain.models import Partner, Person
from domain.outbox import Push, enqueue_many
from domain.people import linked_partner_people


async def line_facts(session: AsyncSession, line: CommissionLine) -> dict[str, Any]:
    deal = await session.get(Deal, line.deal_id) if line.deal_id else None
    partner = await session.get(Partner, line.partner_id)
    return {
        "line_id": line.line_id,
        "period": line.period,
        "amount": str(line.amount),
        "currency": line.currency,
        "status": line.status,
        "payout_date": line.payout_date.isoformat() if line.payout_date else None,
        "deal": reference(deal.id) if deal else None,
        "company": deal.company if deal else None,
        "partner": partner.name if partner else "",
    }


async def _admins_or_registrant(session: AsyncSession, line: CommissionLine) -> list[int]:
    """The deal's registrant and the partner's admins; with neither linked, every linked person of the partner."""
    people: list[int] = []
    if line.deal_id:
        registrant = await session.scalar(select(Deal.registered_by_id).where(Deal.id == line.deal_id))
        if registrant:
            people.append(registrant)
    admins = await session.scalars(
        select(Person.id).where(Person.partner_id == line.partner_id, Person.role == "partner_admin")
    )
    people += [p for p in admins if p not in people]
    if not people:
        people = [p for p, _partner in await linked_partner_people(session, [line.partner_id])]
    return people


@notifies(CommissionPaid)
async def payment_notice(session: AsyncSession, event: CommissionPaid, now: dt.datetime) -> int:
    line = await session.get(CommissionLine, event.line_id)
    if line is None:
        return 0
    payload = await line_facts(session, line)
    pushes = [
        Push(key=f"commission.paid:{line.id}:{person_id}", kind="commission.paid", payload=payload, person_id=person_id)
        for person_id in await _admins_or_registrant(session, line)
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(CommissionDisputed)
async def dispute_to_cam(session: AsyncSession, event: CommissionDisputed, now: dt.datetime) -> int:
    line = await session.get(CommissionLine, event.line_id)
    if line is None:
        return 0
    who = await session.get(Person, event.person_id)
    payload = {**await line_facts(session, line), "ticket": event.ticket, "by": who.name if who else ""}
    pushes = [
        Push(
            key=f"commission.disputed:{line.id}:{target_key(t)}",
            kind="commission.disputed",
            payload=payload,
            **t,
        )
        for t in await cam_targets(session, (line.partner_id,), event.program_channel)
    ]
    return await enqueue_many(session, pushes, now=now)
