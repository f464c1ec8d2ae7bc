"""Where a CAM hears of a partner: the partner's own CAM channel, else the program's, else the CAM's DM.

Shared by every capability that alerts CAMs (leads, deals, …), so they agree on the one rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.addresses import Address
from domain.models import Partner, Person


async def cam_targets(
    session: AsyncSession, partner_ids: tuple[int, ...], program_channel: Address | None
) -> list[dict[str, Any]]:
    """Push targets (a chat, or a person) for alerts about these partners, one per place, in their order."""
    targets: dict[str, dict[str, Any]] = {}
    if not partner_ids and program_channel:
        targets[str(program_channel)] = address_target(program_channel)
    partners = (await session.scalars(select(Partner).where(Partner.id.in_(partner_ids)))).all() if partner_ids else []
    for partner in sorted(partners, key=lambda p: partner_ids.index(p.id)):
        channel = Address.parse(partner.cam_channel) or program_channel
        if channel:
            targets.setdefault(str(channel), address_target(channel))
        elif partner.cam_email:
            cam_id = await session.scalar(
                select(Person.id).where(func.lower(Person.email) == partner.cam_email.lower())
            )
            if cam_id is not None:
                targets.setdefault(f"person:{cam_id}", {"person_id": cam_id})
    return list(targets.values())


def address_target(address: Address) -> dict[str, Any]:
    return {"platform": address.platform, "chat_id": address.chat_id}


def target_key(target: dict[str, Any]) -> str:
    """One target's part of a push's idempotency key: its chat, or its person."""
    return str(target.get("chat_id") or target.get("person_id"))


async def fallback_cams(session: AsyncSession, region: str | None) -> list[dict[str, Any]]:
    """Who hears of a lead that involves no partner when no CAM channel is set: by direct message, the
    CAMs of the partners in its region, else every CAM, so that such a lead never goes unseen."""
    emails: set[str] = set()
    if region:
        in_region = select(Partner.cam_email).where(Partner.region == region, Partner.cam_email.is_not(None))
        emails = {email.lower() for email in (await session.scalars(in_region)).all() if email}
    query = select(Person.id).where(Person.role == "cam").order_by(Person.id)
    if emails:
        regional = (await session.scalars(query.where(func.lower(Person.email).in_(emails)))).all()
        if regional:
            return [{"person_id": person_id} for person_id in regional]
    return [{"person_id": person_id} for person_id in (await session.scalars(query)).all()]
