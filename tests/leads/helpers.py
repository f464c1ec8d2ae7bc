"""Helpers for the leads tests: lead files, extra partners, and reading what was pushed."""

from __future__ import annotations

import csv
import itertools
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.importer import import_file
from domain.leads.models import Lead
from domain.models import OutboxMessage, Partner, Person
from domain.people import attach_identity

COLUMNS = (
    "lead_id,company,domain,contact_name,contact_email,contact_phone,country,region,vertical,product,"
    "estimated_value,currency,campaign,priority,assignment,partner_id,notes,company_size,min_tier"
).split(",")
_files = itertools.count(1)


def lead_row(lead_id: str, **values: Any) -> dict[str, Any]:
    row = {
        "lead_id": lead_id,
        "company": f"Company {lead_id}",
        "domain": f"{lead_id.lower()}.example",
        "contact_name": "Pat Buyer",
        "contact_email": f"pat@{lead_id.lower()}.example",
        "contact_phone": "+49 30 555 0100",
        "country": "DE",
        "region": "emea",
        "product": "cloud-suite",
        "estimated_value": "48000",
        "currency": "EUR",
        "priority": "hot",
        "assignment": "shark_tank",
        "company_size": "200-500",
    }
    row.update(values)
    return row


_folder = Path(tempfile.mkdtemp(prefix="partnerbot-test-leads-"))  # never the checkout


def write_leads(rows: list[dict[str, Any]], path: Path | None = None) -> Path:
    path = path or _folder / f"leads-{next(_files)}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS})
    return path


async def import_leads(app: App, rows: list[dict[str, Any]], *, skip_invalid: bool = False) -> Any:
    result, errors = await import_file(app, "leads", write_leads(rows), skip_invalid=skip_invalid)
    return result, errors


async def add_partners(
    app: App, count: int, *, tier: str = "silver", region: str = "emea", prefix: str = "X", link: bool = True
) -> list[str]:
    """`count` extra partners, each with one rep (email = console chat id), linked on the console."""
    emails = []
    async with app.uow() as uow:
        for n in range(count):
            partner = Partner(
                external_id=f"P-{prefix}{n}",
                name=f"{prefix} Partner {n}",
                type="reseller",
                tier=tier,
                region=region,
                products=["cloud-suite"],
                verticals=[],
                cam_email="carla.cam@vendor.example",
            )
            uow.session.add(partner)
            await uow.session.flush()
            email = f"rep{n}@{prefix.lower()}.example"
            person = Person(email=email, name=f"Rep {prefix}{n}", role="partner_rep", partner_id=partner.id)
            uow.session.add(person)
            await uow.session.flush()
            if link:
                await uow.session.refresh(person, ["identities"])
                await attach_identity(
                    uow.session,
                    person,
                    platform="console",
                    user_id=email,
                    chat_id=email,
                    username=None,
                    now=app.deps.now(),
                )
            emails.append(email)
        await uow.commit()
    return emails


async def lead(app: App, external_id: str) -> Lead:
    async with app.uow() as uow:
        found = (await uow.session.scalars(select(Lead).where(Lead.external_id == external_id))).one()
        return found


async def outbox(app: App, kind: str | None = None) -> list[OutboxMessage]:
    async with app.uow() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await uow.session.scalars(query)).all())


async def partner_id(app: App, external_id: str) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(Partner.id).where(Partner.external_id == external_id)) or 0)


async def fill_to_capacity(app: App, partner: int, *, region: str, status: str, count: int = 10) -> None:
    """Give `partner` `count` open leads it holds, so capacity rules can be tested."""
    async with app.uow() as uow:
        for n in range(count):
            uow.session.add(
                Lead(
                    external_id=f"H-{n}",
                    company="x",
                    region=region,
                    priority="hot",
                    assignment="direct",
                    mode="direct",
                    status=status,
                    partner_id=partner,
                    excluded_partner_ids=[],
                )
            )
        await uow.commit()
