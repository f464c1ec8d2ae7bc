"""The program directory as the operator lists it: `partnerbot partners list` and `people list`.

Rows are plain data with text cells, printed through `domain.reporting.Formats` so a list reads like
every report (table, CSV, JSON). A person is reachable once one of their accounts has written to the
bot (a linked chat); an account only imported from the people file is "not reachable yet".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.db import read_only
from domain.models import Identity, Partner, Person
from domain.reporting import Formats

REACHABLE, NOT_YET, NOT_LINKED = "reachable", "not reachable yet", "not linked"


class UnknownPartner(LookupError):
    """No partner has this id (the files' `partner_id`); the operator's command names it."""


@dataclass(frozen=True)
class PartnerRow:
    partner_id: str
    name: str
    type: str
    tier: str
    region: str | None
    cam_email: str | None
    people: int
    linked: int
    joined_on: str | None


@dataclass(frozen=True)
class PersonRow:
    email: str
    name: str
    role: str
    partner_id: str | None
    language: str | None
    timezone: str | None
    platforms: str | None
    reach: str


PARTNER_FORMATS = Formats(
    report="partners",
    key="partners",
    columns=(
        ("partner_id", "partner"),
        ("name", "name"),
        ("type", "type"),
        ("tier", "tier"),
        ("region", "region"),
        ("cam_email", "CAM"),
        ("joined_on", "joined"),
        ("people", "people"),
        ("linked", "linked"),
    ),
    text_columns=7,
    empty="no partners",
)

PEOPLE_FORMATS = Formats(
    report="people",
    key="people",
    columns=(
        ("email", "email"),
        ("name", "name"),
        ("role", "role"),
        ("partner_id", "partner"),
        ("language", "language"),
        ("timezone", "timezone"),
        ("platforms", "linked on"),
        ("reach", "reach"),
    ),
    text_columns=8,
    empty="no people",
)


@read_only
async def partners(session: AsyncSession) -> list[PartnerRow]:
    """Every partner by id, with how many people it has and how many of them have linked a chat."""
    counts = select(Person.partner_id, func.count()).group_by(Person.partner_id)
    members = {partner_id: n for partner_id, n in (await session.execute(counts)).all()}
    linked_query = (
        select(Person.partner_id, func.count(func.distinct(Person.id)))
        .join(Identity, Identity.person_id == Person.id)
        .where(Identity.linked_at.is_not(None), Identity.chat_id.is_not(None))
        .group_by(Person.partner_id)
    )
    linked = {partner_id: n for partner_id, n in (await session.execute(linked_query)).all()}
    rows = (await session.scalars(select(Partner).order_by(Partner.external_id))).all()
    return [
        PartnerRow(
            partner_id=p.external_id,
            name=p.name,
            type=p.type,
            tier=p.tier,
            region=p.region or None,
            cam_email=p.cam_email,
            people=members.get(p.id, 0),
            linked=linked.get(p.id, 0),
            joined_on=p.joined_on.isoformat() if p.joined_on else None,
        )
        for p in rows
    ]


def _reach(person: Person) -> tuple[str | None, str]:
    """(platforms with a linked chat, whether a push reaches the person)."""
    linked = sorted({i.platform for i in person.linked_identities})
    if linked:
        return ";".join(linked), REACHABLE
    imported = sorted({i.platform for i in person.identities})
    if imported:  # an id from the people file whose account has never written to the bot
        return None, f"{NOT_YET} ({', '.join(imported)})"
    return None, NOT_LINKED


@read_only
async def people(session: AsyncSession, *, partner: str | None = None) -> list[PersonRow]:
    """Everyone in the program by email; with `partner` (the files' id, `P-ACME`) that partner's people.

    Language and timezone are the person's own, else their partner's (what the bot uses for them).
    """
    query = select(Person).options(joinedload(Person.partner), selectinload(Person.identities)).order_by(Person.email)
    if partner is not None:
        partner_id = await session.scalar(select(Partner.id).where(Partner.external_id == partner))
        if partner_id is None:
            raise UnknownPartner(partner)
        query = query.where(Person.partner_id == partner_id)
    found = []
    for person in (await session.scalars(query)).all():
        platforms, reach = _reach(person)
        org = person.partner
        found.append(
            PersonRow(
                email=person.email,
                name=person.name,
                role=person.role,
                partner_id=org.external_id if org else None,
                language=person.language or (org.language if org else None),
                timezone=person.timezone or (org.timezone if org else None),
                platforms=platforms,
                reach=reach,
            )
        )
    return found
