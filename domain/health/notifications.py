"""Who hears of program health: reminders to a certificate's holder and the partner admins, expiries and
score drops to the CAM, tier news to the partner admins and the CAM, announcements to each person in
their language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cams import cam_targets, target_key
from domain.events import notifies
from domain.health.events import Announced, CredentialExpired, CredentialExpiring, HealthDropped, TierNews
from domain.health.models import Credential
from domain.models import Partner, Person
from domain.outbox import Push, enqueue_many


async def _admins(session: AsyncSession, partner_id: int) -> list[int]:
    return list(
        (
            await session.scalars(
                select(Person.id).where(Person.partner_id == partner_id, Person.role == "partner_admin")
            )
        ).all()
    )


async def _credential_facts(session: AsyncSession, credential: Credential) -> dict[str, Any]:
    partner = await session.get(Partner, credential.partner_id)
    holder = await session.get(Person, credential.person_id) if credential.person_id else None
    return {
        "category": credential.category,
        "kind": credential.kind,
        "expires_on": credential.expires_on.isoformat(),
        "holder": holder.name if holder else "",
        "partner": partner.name if partner else "",
        "partner_id": partner.external_id if partner else "",
    }


@notifies(CredentialExpiring)
async def expiring(session: AsyncSession, event: CredentialExpiring, now: dt.datetime) -> int:
    credential = await session.get(Credential, event.credential_id)
    if credential is None:
        return 0
    payload = {**await _credential_facts(session, credential), "days_left": event.days_left}
    people = dict.fromkeys(
        [*([credential.person_id] if credential.person_id else []), *await _admins(session, credential.partner_id)]
    )
    pushes = [
        Push(
            key=f"health.expiring:{credential.id}:{credential.expires_on}:{event.days_left}:{p}",
            kind="health.expiring",
            payload=payload,
            person_id=p,
            business_days_only=True,
        )
        for p in people
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(CredentialExpired)
async def expired(session: AsyncSession, event: CredentialExpired, now: dt.datetime) -> int:
    credential = await session.get(Credential, event.credential_id)
    if credential is None:
        return 0
    payload = await _credential_facts(session, credential)
    key = f"health.expired:{credential.id}:{credential.expires_on}"
    pushes = [
        Push(key=f"{key}:{target_key(t)}", kind="health.expired", payload=payload, **t)
        for t in await cam_targets(session, (credential.partner_id,), event.program_channel)
    ]
    for person in dict.fromkeys(
        [*([credential.person_id] if credential.person_id else []), *await _admins(session, credential.partner_id)]
    ):
        pushes.append(Push(key=f"{key}:p{person}", kind="health.expired", payload=payload, person_id=person))
    return await enqueue_many(session, pushes, now=now)


@notifies(TierNews)
async def tier_news(session: AsyncSession, event: TierNews, now: dt.datetime) -> int:
    partner = await session.get(Partner, event.partner_id)
    assert partner is not None
    payload = {
        "news": event.news,
        "tier": event.tier,
        "current": partner.tier,
        "review_on": event.review_on,
        "won_value": event.won_value,
        "certified": event.certified,
        "partner": partner.name,
        "partner_id": partner.external_id,
    }
    key = f"health.tier:{partner.id}:{event.news}:{event.tier}:{event.review_on}"
    pushes = [
        Push(key=f"{key}:p{p}", kind="health.tier", payload=payload, person_id=p)
        for p in await _admins(session, partner.id)
    ]
    pushes += [
        Push(key=f"{key}:{target_key(t)}", kind="health.tier", payload={**payload, "for_cam": True}, **t)
        for t in await cam_targets(session, (partner.id,), event.program_channel)
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(HealthDropped)
async def dropped(session: AsyncSession, event: HealthDropped, now: dt.datetime) -> int:
    partner = await session.get(Partner, event.partner_id)
    assert partner is not None
    payload = {
        "partner": partner.name,
        "partner_id": partner.external_id,
        "before": event.before,
        "now": event.now,
        "reasons": list(event.reasons),
    }
    pushes = [
        Push(
            key=f"health.dropped:{partner.id}:{now.date()}:{target_key(t)}", kind="health.dropped", payload=payload, **t
        )
        for t in await cam_targets(session, (partner.id,), event.program_channel)
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(Announced)
async def announcement(session: AsyncSession, event: Announced, now: dt.datetime) -> int:
    bodies = dict(event.bodies)
    pushes = [
        Push(
            key=f"announcement:{event.announcement_id}:{person_id}",
            kind="announcement",
            payload={"body": bodies.get(language) or bodies["en"]},
            person_id=person_id,
        )
        for person_id, language in event.person_ids
    ]
    return await enqueue_many(session, pushes, now=now)
