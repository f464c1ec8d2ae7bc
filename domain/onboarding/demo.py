"""The demo program's newcomer: a reseller that joined nine days before the demo starts, so `partnerbot
demo` shows a journey under way whatever the date (`demo --as nora@nordwind.example`, or
`chat --as carla.cam@vendor.example` and `/partners`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import transactional
from domain.models import Partner, Person
from domain.onboarding.models import MilestoneRecord

DAYS_AGO = 9


async def add_newcomer(session: AsyncSession, now: dt.datetime) -> str | None:
    if await session.scalar(select(Partner.id).where(Partner.external_id == "P-NORDWIND")):
        return None
    joined = now.date() - dt.timedelta(days=DAYS_AGO)
    partner = Partner(
        external_id="P-NORDWIND",
        name="Nordwind Systemhaus",
        type="reseller",
        tier="registered",
        region="emea",
        country="DE",
        verticals=["retail"],
        products=["cloud-suite"],
        cam_email="carla.cam@vendor.example",
        timezone="Europe/Berlin",
        language="de",
        joined_on=joined,
    )
    session.add(partner)
    await session.flush()
    session.add(
        Person(
            email="nora@nordwind.example",
            name="Nora Lind",
            role="partner_admin",
            partner_id=partner.id,
            timezone="Europe/Berlin",
            language="en",
        )
    )
    session.add(
        MilestoneRecord(
            partner_id=partner.id,
            milestone="welcome_call",
            status="completed",
            percent=100,
            at=joined + dt.timedelta(days=2),
            source="import",
            updated_at=now,
        )
    )
    return f"1 onboarding newcomer (Nordwind Systemhaus, joined {joined.isoformat()})"


newcomer = transactional(add_newcomer)
