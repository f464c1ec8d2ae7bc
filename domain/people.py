"""People, their roles and how the bot reaches them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.db import read_only, transactional
from domain.errors import InvalidInput, NotFound
from domain.i18n import N_, normalize_language
from domain.models import Identity, Person

PARTNER_ROLES = frozenset({"partner_rep", "partner_admin"})
STAFF_ROLES = frozenset({"cam", "support_agent", "support_manager", "admin"})
ROLES = PARTNER_ROLES | STAFF_ROLES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonView:
    """What handlers may know of a person: plain data, safe to use after the session closed."""

    id: int
    email: str
    name: str
    role: str
    partner_id: int | None
    partner_name: str | None
    partner_external_id: str | None
    language: str | None
    timezone: str | None
    quiet_hours: str | None
    urgent_in_quiet_hours: bool
    preferred_platform: str | None
    platforms: tuple[str, ...]


def view_of(person: Person) -> PersonView:
    partner = person.partner
    return PersonView(
        id=person.id,
        email=person.email,
        name=person.name,
        role=person.role,
        partner_id=person.partner_id,
        partner_name=partner.name if partner else None,
        partner_external_id=partner.external_id if partner else None,
        language=person.language or (partner.language if partner else None),
        timezone=person.timezone or (partner.timezone if partner else None),
        quiet_hours=person.quiet_hours,
        urgent_in_quiet_hours=person.urgent_in_quiet_hours,
        preferred_platform=person.preferred_platform,
        platforms=tuple(sorted({i.platform for i in person.linked_identities})),
    )


def _person_query() -> Select[Person]:
    # One round trip: the dispatcher runs this for every update, so it is on the hot path.
    return select(Person).options(joinedload(Person.partner), joinedload(Person.identities))


async def by_email(session: AsyncSession, email: str) -> Person | None:
    return (await session.scalars(_person_query().where(Person.email == email.strip().lower()))).unique().first()


async def by_id(session: AsyncSession, person_id: int) -> Person | None:
    return (await session.scalars(_person_query().where(Person.id == person_id))).unique().first()


async def by_ids(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, Person]:
    """`by_id` for many people in one query: a batch of pushes' recipients."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    return {p.id: p for p in (await session.scalars(_person_query().where(Person.id.in_(wanted)))).unique()}


async def require_by_email(session: AsyncSession, email: str) -> Person:
    person = await by_email(session, email)
    if person is None:
        raise NotFound(N_("Nobody with the email %(email)s is in the program."), email=email)
    return person


async def by_identity(session: AsyncSession, platform: str, user_id: str) -> Person | None:
    """The person whose linked account this is; an id only imported is not a link yet."""
    match = select(Identity.person_id).where(
        Identity.platform == platform, Identity.external_id == user_id, Identity.linked_at.is_not(None)
    )
    query = _person_query().where(Person.id.in_(match.scalar_subquery()))
    return (await session.scalars(query)).unique().first()


async def by_identities(session: AsyncSession, platform: str, user_ids: Iterable[str]) -> dict[str, PersonView]:
    """`by_identity` for many accounts in one query, keyed by account: a batch of updates' senders."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    match = select(Identity.person_id).where(
        Identity.platform == platform, Identity.external_id.in_(wanted), Identity.linked_at.is_not(None)
    )
    people = (await session.scalars(_person_query().where(Person.id.in_(match.scalar_subquery())))).unique().all()
    found: dict[str, PersonView] = {}
    for person in people:
        view = view_of(person)
        for account in person.identities:
            if account.platform == platform and account.external_id in wanted and account.linked_at is not None:
                found[account.external_id] = view
    return found


async def identity(session: AsyncSession, platform: str, user_id: str) -> Identity | None:
    query = select(Identity).where(Identity.platform == platform, Identity.external_id == user_id)
    return (await session.scalars(query)).first()


async def attach_identity(
    session: AsyncSession,
    person: Person,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    now: dt.datetime,
) -> Identity:
    """Link a platform account to a person; one account belongs to one person only.

    An account only imported for someone else (the operator's file) goes to whoever proves it by
    spending that person's link code in it: the file may be wrong, the chat is not.
    """
    existing = await identity(session, platform, user_id)
    if existing is not None and existing.person_id != person.id:
        if existing.linked_at is not None:
            raise InvalidInput(N_("This chat account is already linked to someone else. Ask your admin to unlink it."))
        logger.warning(
            "%s account %s was imported for person %s; linked by %s", platform, user_id, existing.person_id, person.id
        )
        await session.delete(existing)
        await session.flush()
        existing = None
    if existing is None:
        existing = Identity(platform=platform, external_id=user_id)
        person.identities.append(existing)
    existing.chat_id, existing.username = chat_id, username
    existing.linked_at = existing.linked_at or now
    if person.linked_at is None:
        person.linked_at = now
    return existing


async def linked_partner_people(session: AsyncSession, partner_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(person id, partner id) of every rep and admin of these partners who has linked a chat."""
    ids = list(partner_ids)
    if not ids:
        return []
    linked = exists().where(Identity.person_id == Person.id, Identity.linked_at.is_not(None))
    rows = await session.execute(
        select(Person.id, Person.partner_id)
        .where(Person.partner_id.in_(ids), Person.role.in_(PARTNER_ROLES), linked)
        .order_by(Person.id)
    )
    return [(pid, partner) for pid, partner in rows.all() if partner is not None]


def checked_timezone(value: str) -> str:
    """An IANA timezone as given; a city name or a near miss is answered with the zone meant."""
    from domain.calendar import is_valid_timezone, suggest_timezone

    if is_valid_timezone(value):
        return value
    meant = suggest_timezone(value)
    if meant is not None:
        raise InvalidInput(
            N_("Unknown timezone %(tz)s. Did you mean %(suggestion)s? Send /settings timezone %(suggestion)s"),
            tz=value[:64],
            suggestion=meant,
        )
    raise InvalidInput(N_("Unknown timezone %(tz)s. Use a name like Europe/Berlin."), tz=value[:64])


def checked_quiet_hours(value: str) -> str:
    """Quiet hours as stored (`22:00-07:00` or `off`) from what people type (`22-7` too)."""
    from domain.calendar import canonical_quiet_hours

    try:
        return canonical_quiet_hours(value)
    except ValueError:
        raise InvalidInput(
            N_("Quiet hours look like 20:00-08:00, or off. %(value)s is not that."), value=value[:40]
        ) from None


def update_preferences(
    person: Person,
    *,
    language: str | None = None,
    timezone: str | None = None,
    quiet_hours: str | None = None,
    urgent_in_quiet_hours: bool | None = None,
    preferred_platform: str | None = None,
    platforms: Sequence[str] = (),
) -> None:
    """Apply validated preference changes; each argument left None is unchanged.

    ``platforms`` are the messengers a preferred platform may name (the domain knows none itself).
    """
    if language is not None:
        lang = normalize_language(language)
        if lang is None:
            raise InvalidInput(N_("Unknown language %(code)s. Choose en, de, ja or pt_BR."), code=language)
        person.language = lang
    if timezone is not None:
        person.timezone = checked_timezone(timezone)
    if quiet_hours is not None:
        person.quiet_hours = checked_quiet_hours(quiet_hours)
    if urgent_in_quiet_hours is not None:
        person.urgent_in_quiet_hours = urgent_in_quiet_hours
    if preferred_platform is not None:
        if preferred_platform not in platforms:
            raise InvalidInput(N_("Unknown platform %(platform)s."), platform=preferred_platform)
        person.preferred_platform = preferred_platform


@transactional
async def save_preferences(
    session: AsyncSession, person_id: int, changes: dict[str, Any], *, platforms: Sequence[str] = ()
) -> PersonView:
    """Validate and save preference changes (see `update_preferences`); the person as now saved."""
    person = await by_id(session, person_id)
    assert person is not None  # the dispatcher resolved them in this request
    update_preferences(person, **changes, platforms=platforms)
    return view_of(person)


@read_only
async def who_is(session: AsyncSession, platform: str, user_id: str) -> PersonView | None:
    """The person a linked account belongs to, as plain data; None for an account not linked."""
    person = await by_identity(session, platform, user_id)
    return view_of(person) if person is not None else None


@read_only
async def private_chat_of(session: AsyncSession, platform: str, user_id: str) -> str | None:
    """The private chat in which this account linked: where private answers go."""
    found = await identity(session, platform, user_id)
    return found.chat_id if found is not None else None


@transactional
async def link_trusted(session: AsyncSession, email: str, platform: str, now: dt.datetime) -> str:
    """Link an account whose holder is vouched for by where it runs (the terminal: whoever runs it has
    the database), with the email as user and chat id; returns the normalised email."""
    person = await require_by_email(session, email)
    await attach_identity(
        session, person, platform=platform, user_id=person.email, chat_id=person.email, username=None, now=now
    )
    return person.email
