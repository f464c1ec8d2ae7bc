"""The program directory: partners and people, loaded from the operator's CSV/XLSX files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain import importing as imp
from domain.addresses import Address
from domain.models import Identity, Partner, Person
from domain.people import PARTNER_ROLES, ROLES

PARTNER_TYPES = ("reseller", "msp", "si", "distributor", "referral", "technology")
TIERS = ("registered", "silver", "gold", "platinum")

PARTNER_COLUMNS = (
    imp.Column("partner_id", imp.id_text, required=True),
    imp.Column("name", imp.text(200), required=True),
    imp.Column("type", imp.one_of(*PARTNER_TYPES), required=True),
    imp.Column("tier", imp.one_of(*TIERS), required=True),
    imp.Column("region", imp.text(50)),
    imp.Column("country", imp.country),
    imp.Column("verticals", imp.semicolon_list),
    imp.Column("products", imp.semicolon_list),
    imp.Column("cam_email", imp.email),
    imp.Column("parent_partner_id", imp.id_text),
    imp.Column("timezone", imp.timezone),
    imp.Column("language", imp.language),
    imp.Column("joined_on", imp.date),
)

PEOPLE_COLUMNS = (
    imp.Column("email", imp.email, required=True),
    imp.Column("name", imp.text(200), required=True),
    imp.Column("role", imp.one_of(*sorted(ROLES)), required=True),
    imp.Column("partner_id", imp.id_text),
    imp.Column("timezone", imp.timezone),
    imp.Column("language", imp.language),
)


@dataclass(frozen=True)
class IdentityColumn:
    """A file column that holds a messenger's ids: user ids in the people file, a channel in partners.

    The messengers (handlers.messengers) name these columns; the directory only stores what they hold
    under the platform name they give.
    """

    column: str
    platform: str


def partner_columns(channels: Sequence[IdentityColumn]) -> tuple[imp.Column, ...]:
    return PARTNER_COLUMNS + tuple(imp.Column(c.column, imp.text(100)) for c in channels)


def people_columns(identities: Sequence[IdentityColumn]) -> tuple[imp.Column, ...]:
    return PEOPLE_COLUMNS + tuple(imp.Column(c.column, imp.text(32)) for c in identities)


Progress = Callable[[int], None]
T = TypeVar("T")


def _duplicates(rows: Sequence[tuple[int, dict[str, Any]]], key: str) -> list[imp.RowError]:
    seen: dict[Any, int] = {}
    errors = []
    for number, row in rows:
        value = row[key]
        if value in seen:
            errors.append(imp.RowError(number, key, f"{value!r} appears again (first on row {seen[value]})"))
        else:
            seen[value] = number
    return errors


async def _platform_ids_taken(
    session: AsyncSession, rows: Sequence[tuple[int, dict[str, Any]]], source: IdentityColumn
) -> list[imp.RowError]:
    """A chat id belongs to one person: auto-linking would otherwise pick one of them at random.

    Refused when two rows give the same id, and when a person already in the program (another email)
    has it, imported or linked; re-importing a person with their own id is fine.
    """
    column = source.column
    with_id = [(number, row) for number, row in rows if row.get(column)]
    errors = _duplicates(with_id, column)
    ids = {row[column] for _, row in with_id}
    if ids:
        owned = (
            select(Identity.external_id, Person.email)
            .join(Person, Person.id == Identity.person_id)
            .where(Identity.platform == source.platform, Identity.external_id.in_(ids))
        )
        owners: dict[str, str] = dict((await session.execute(owned)).all())
        for number, row in with_id:
            owner = owners.get(row[column])
            if owner is not None and owner != row["email"]:
                errors.append(imp.RowError(number, column, f"{row[column]!r} already belongs to {owner}"))
    return errors


def _find_or_add(
    session: AsyncSession, existing: dict[str, T], key: str, make: Callable[[], T], result: imp.ImportResult
) -> T:
    """The row's record to update in place, or a new one: re-imports never duplicate."""
    found = existing.get(key)
    if found is not None:
        result.updated += 1
        return found
    created = existing[key] = make()
    session.add(created)
    result.created += 1
    return created


def _drop(rows: list[tuple[int, dict[str, Any]]], errors: list[imp.RowError]) -> list[tuple[int, dict[str, Any]]]:
    bad = {e.row for e in errors}
    return [(n, r) for n, r in rows if n not in bad]


async def validate_partners(session: AsyncSession, validated: imp.Validated) -> None:
    """Cross-row checks: unique ids, and every parent exists in the file or the database."""
    validated.errors.extend(_duplicates(validated.rows, "partner_id"))
    in_file = {r["partner_id"] for _, r in validated.rows}
    known = set((await session.scalars(select(Partner.external_id))).all())
    for number, row in validated.rows:
        parent = row.get("parent_partner_id")
        if parent and parent not in in_file | known:
            validated.errors.append(imp.RowError(number, "parent_partner_id", f"unknown partner {parent!r}"))
        if parent and parent == row["partner_id"]:
            validated.errors.append(imp.RowError(number, "parent_partner_id", "a partner cannot be its own parent"))
    validated.errors.sort(key=lambda e: e.row)


async def import_partners(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    channels: Sequence[IdentityColumn] = (),
    progress: Progress | None = None,
) -> imp.ImportResult:
    """Upsert by `partner_id`; rows with errors were already reported and are left out."""
    result = imp.ImportResult(skipped=list(validated.errors))
    rows = _drop(validated.rows, validated.errors)
    existing = {p.external_id: p for p in (await session.scalars(select(Partner))).all()}
    for _, row in rows:
        key = row["partner_id"]
        partner = _find_or_add(session, existing, key, partial(Partner, external_id=key), result)
        partner.name, partner.type, partner.tier = row["name"], row["type"], row["tier"]
        partner.region = (row["region"] or "").strip().lower()
        partner.country = row["country"] or ""
        partner.verticals = row["verticals"] or []
        partner.products = row["products"] or []
        partner.cam_email = row["cam_email"]
        partner.cam_channel = next(
            (str(Address(c.platform, row[c.column])) for c in channels if row.get(c.column)), None
        )
        partner.timezone = row["timezone"]
        partner.language = row["language"]
        partner.joined_on = row["joined_on"]
        if progress:
            progress(1)
    await session.flush()
    for _, row in rows:
        parent = row.get("parent_partner_id")
        existing[row["partner_id"]].parent_id = existing[parent].id if parent else None
    await session.flush()
    return result


async def validate_people(
    session: AsyncSession, validated: imp.Validated, *, identities: Sequence[IdentityColumn] = ()
) -> None:
    validated.errors.extend(_duplicates(validated.rows, "email"))
    for source in identities:
        validated.errors.extend(await _platform_ids_taken(session, validated.rows, source))
    partners = set((await session.scalars(select(Partner.external_id))).all())
    for number, row in validated.rows:
        partner = row.get("partner_id")
        if row["role"] in PARTNER_ROLES and not partner:
            validated.errors.append(imp.RowError(number, "partner_id", f"required for role {row['role']}"))
        elif row["role"] not in PARTNER_ROLES and partner:
            validated.errors.append(imp.RowError(number, "partner_id", f"must be empty for role {row['role']}"))
        elif partner and partner not in partners:
            validated.errors.append(
                imp.RowError(number, "partner_id", f"unknown partner {partner!r}; import partners first")
            )
    validated.errors.sort(key=lambda e: e.row)


async def import_people(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    identities: Sequence[IdentityColumn] = (),
    progress: Progress | None = None,
) -> imp.ImportResult:
    result = imp.ImportResult(skipped=list(validated.errors))
    partners = {p.external_id: p.id for p in (await session.scalars(select(Partner))).all()}
    existing = {p.email: p for p in (await session.scalars(select(Person).options(selectinload(Person.identities))))}
    for _, row in _drop(validated.rows, validated.errors):
        email = row["email"]
        person = _find_or_add(session, existing, email, partial(Person, email=email, identities=[]), result)
        person.name, person.role = row["name"], row["role"]
        person.partner_id = partners[row["partner_id"]] if row.get("partner_id") else None
        for source in identities:
            _import_identity(person, source.platform, row.get(source.column))
        if row["timezone"]:
            person.timezone = row["timezone"]
        if row["language"]:
            person.language = row["language"]
        if progress:
            progress(1)
    await session.flush()
    return result


def _import_identity(person: Person, platform: str, external_id: str | None) -> None:
    """The file's id for this platform replaces an earlier imported one; linked accounts stay.

    An account the person linked themselves is kept whatever the file says: it is proven by use.
    """
    for identity in [i for i in person.identities if i.platform == platform and i.linked_at is None]:
        if identity.external_id != external_id:
            person.identities.remove(identity)  # deleted as an orphan
    if external_id and not any(i.platform == platform and i.external_id == external_id for i in person.identities):
        person.identities.append(Identity(platform=platform, external_id=external_id))


async def partner_ids(session: AsyncSession) -> dict[str, int]:
    """Every partner's row id by the id the files use (`P-ACME`): what an import resolves `partner_id` with."""
    return dict((await session.execute(select(Partner.external_id, Partner.id))).all())
