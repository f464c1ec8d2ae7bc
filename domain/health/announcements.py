"""`partnerbot announce FILE [--segment KEY=VALUE,…] [--dry-run] [--again]`.

The file is markdown by the program's own authors; `FILE.de.md`, `FILE.ja.md`, `FILE.pt_BR.md` are its
other languages (a person gets theirs, else English). What a chat would act on is taken out before it is
stored: raw HTML (`<script>`) and the mass mentions chats know (`<!channel>`, `<!here>`, `@channel`, `@here`).
The recipients are the partner users of the partners in the segment (`tier`, `type`, `region`,
`language` — a person's own language, else the partner's); every push goes through the outbox, so quiet
hours and the platforms' limits hold, and a restart after a crash sends the rest (only a send in flight may
repeat, where the platform cannot be asked whether it arrived). The
same file and segment twice is refused unless asked for `again`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.db import transactional
from domain.errors import Conflict, InvalidInput
from domain.events import publish
from domain.health import notifications  # noqa: F401  (registers who hears of each health event)
from domain.health.events import Announced
from domain.health.models import Announcement
from domain.i18n import LANGUAGES, N_
from domain.models import Partner, Person
from domain.people import PARTNER_ROLES

SEGMENT_KEYS = ("tier", "type", "region", "language")
MAX_BODY = 4000
_HTML = re.compile(r"<(?:/?[a-zA-Z][^>]*|![^>]*)>")
_MASS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def parse_segment(text: str) -> dict[str, str]:
    segment: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.strip().partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if key not in SEGMENT_KEYS:
            raise InvalidInput(
                N_("Unknown segment key %(value)s (one of: tier, type, region, language)."), value=key[:30]
            )
        if not sep or not value:
            raise InvalidInput(N_("The segment %(value)s needs a value, like tier=gold."), value=key)
        segment[key] = value
    return segment


def safe(markdown: str) -> str:
    """The author's markdown without what a chat would execute or broadcast."""
    text = _SCRIPT.sub("", markdown)
    text = _HTML.sub("", text)
    return _MASS.sub(r"\1", text).strip()


def load_bodies(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise InvalidInput(N_("There is no file %(value)s."), value=str(path)[:200])
    bodies = {"en": safe(path.read_text(encoding="utf-8"))}
    for language in LANGUAGES[1:]:
        other = path.with_name(f"{path.stem}.{language}{path.suffix}")
        if other.is_file():
            bodies[language] = safe(other.read_text(encoding="utf-8"))
    for language, body in bodies.items():
        if not body:
            raise InvalidInput(N_("The %(language)s version is empty."), language=language)
        if len(body) > MAX_BODY:
            raise InvalidInput(
                N_("The %(language)s version has %(length)s characters; an announcement has at most %(max)s."),
                language=language,
                length=len(body),
                max=MAX_BODY,
            )
    return bodies


@dataclass(frozen=True)
class Recipient:
    person_id: int
    email: str
    partner: str
    language: str
    platform: str  # where the outbox will reach them, or "not reachable"


async def recipients(session: AsyncSession, segment: dict[str, str], default_language: str) -> list[Recipient]:
    query = (
        select(Person, Partner)
        .join(Partner, Partner.id == Person.partner_id)
        .where(Person.role.in_(PARTNER_ROLES))
        .options(selectinload(Person.identities))
        .order_by(Partner.name, Person.email)
    )
    for key in ("tier", "type", "region"):
        if key in segment:
            query = query.where(getattr(Partner, key) == segment[key])
    found = []
    for person, partner in (await session.execute(query)).all():
        language = person.language or partner.language or default_language
        if "language" in segment and language.lower() != segment["language"]:
            continue
        linked = person.linked_identities
        platform = (
            person.preferred_platform if any(i.platform == person.preferred_platform for i in linked) else None
        ) or (linked[0].platform if linked else "not reachable")
        found.append(Recipient(person.id, person.email, partner.name, language, platform))
    return found


@dataclass(frozen=True)
class Plan:
    recipients: list[Recipient]
    by_platform: dict[str, int]
    by_language: dict[str, int]
    digest: str


def digest_of(bodies: dict[str, str], segment: dict[str, str]) -> str:
    text = (
        "\n".join(f"{k}={bodies[k]}" for k in sorted(bodies))
        + "|"
        + ",".join(f"{k}={segment[k]}" for k in sorted(segment))
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def plan(session: AsyncSession, bodies: dict[str, str], segment: dict[str, str], default_language: str) -> Plan:
    people = await recipients(session, segment, default_language)
    if not people:
        raise InvalidInput(N_("Nobody is in this segment; nothing would be sent."))
    return Plan(
        people,
        dict(Counter(r.platform for r in people)),
        dict(Counter(r.language if r.language in bodies else "en" for r in people)),
        digest_of(bodies, segment),
    )


async def announce(
    session: AsyncSession,
    source: str,
    bodies: dict[str, str],
    segment: dict[str, str],
    *,
    again: bool,
    default_language: str,
    now: dt.datetime,
) -> tuple[int, Plan]:
    """Queue the announcement for everyone in the segment, in one transaction; returns (queued, plan)."""
    planned = await plan(session, bodies, segment, default_language)
    if not again and await session.scalar(select(Announcement.id).where(Announcement.digest == planned.digest)):
        raise Conflict(N_("This file was already announced to this segment; add --again to send it once more."))
    row = Announcement(
        digest=planned.digest,
        source=source[:300],
        segment=",".join(f"{k}={v}" for k, v in segment.items()),
        recipients=len(planned.recipients),
        sent_at=now,
    )
    session.add(row)
    await session.flush()
    people = tuple((r.person_id, r.language if r.language in bodies else "en") for r in planned.recipients)
    queued = await publish(session, Announced(row.id, tuple(bodies.items()), people), now)
    return queued, planned


send = transactional(announce)


async def delivery(session: AsyncSession, queued_at: dt.datetime) -> dict[str, int]:
    """How the announcement queued at this instant stands in the outbox, by status."""
    from sqlalchemy import func

    from domain.models import OutboxMessage

    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.kind == "announcement", OutboxMessage.created_at == queued_at)
        .group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in rows.all()}
