"""Opening a ticket: checks, due times, repeat linking, and the same submission twice as one ticket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.events import publish
from domain.i18n import N_
from domain.leads.lookup import find as find_lead
from domain.leads.queries import family
from domain.models import Partner
from domain.outbox import dialect_insert
from domain.people import PARTNER_ROLES, PersonView
from domain.tickets import sla
from domain.tickets.desk import Desk
from domain.tickets.events import TicketChanged, TicketOpened
from domain.tickets.lifecycle import escalate
from domain.tickets.lookup import MAX_SUBJECT, MAX_TEXT, REPEAT_SIMILARITY, REPEAT_WINDOW, add_entry, bounded
from domain.tickets.models import Ticket, reference


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    ref: str
    dues: sla.Dues
    created: bool
    repeat_of: str | None


async def _check_related(session: AsyncSession, person: PersonView, related: str) -> None:
    """A related lead must be one the person may see; what it is and whose stays unsaid."""
    try:
        lead = await find_lead(session, related)
    except NotFound:
        return  # a deal or statement id, kept as written
    allowed = await family(session, person.partner_id) if person.partner_id else []
    if lead.partner_id not in allowed:
        raise NotFound(N_("There is no %(ref)s that you can refer to."), ref=related[:40])


async def _repeat_of(
    session: AsyncSession, partner_id: int, category: str, subject: str, now: dt.datetime
) -> Ticket | None:
    recent = await session.scalars(
        select(Ticket)
        .where(Ticket.partner_id == partner_id, Ticket.category == category, Ticket.opened_at >= now - REPEAT_WINDOW)
        .order_by(Ticket.opened_at.desc())
        .limit(50)
    )
    for earlier in recent:
        if fuzz.token_set_ratio(earlier.subject.lower(), subject.lower()) >= REPEAT_SIMILARITY:
            return earlier
    return None


async def open_ticket(
    session: AsyncSession,
    person: PersonView,
    *,
    category: str,
    severity: str,
    subject: str,
    description: str,
    related: str | None,
    submission_key: str,
    now: dt.datetime,
    desk: Desk,
) -> Opened:
    """Open a ticket for the person's partner; the same submission twice is one ticket."""
    if person.role not in PARTNER_ROLES or person.partner_id is None:
        raise NotAllowed(N_("Tickets are opened by partner users."))
    if category not in sla.CATEGORIES:
        raise InvalidInput(N_("Unknown category %(value)s."), value=category[:40])
    if severity not in sla.SEVERITIES:
        raise InvalidInput(N_("Unknown severity %(value)s."), value=severity[:20])
    subject = bounded(subject, MAX_SUBJECT, N_("subject"))
    description = bounded(description, MAX_TEXT, N_("description"))
    related = (related or "").strip()[:100] or None
    if related:
        await _check_related(session, person, related)
    partner = await session.get(Partner, person.partner_id)
    assert partner is not None
    tz = person.timezone or partner.timezone
    dues = sla.due_times(
        now, category=category, severity=severity, tier=partner.tier, calendar=desk.calendar, tz_name=tz
    )
    earlier = await _repeat_of(session, partner.id, category, subject, now)
    values = {
        "partner_id": partner.id,
        "opened_by_id": person.id,
        "submission_key": submission_key[:64],
        "category": category,
        "severity": severity,
        "subject": subject,
        "description": description,
        "related": related,
        "tier": partner.tier,
        "timezone": tz,
        "status": "submitted",
        "escalated": False,
        "version": 1,
        "repeat_of_id": earlier.id if earlier else None,
        "opened_at": now,
        "paused_minutes": 0,
        "first_response_due_at": dues.first_response.at,
        "resolution_due_at": dues.resolution.at,
        "first_response_reminder_at": sla.reminder_at(now, dues.first_response.at, desk.calendar, tz),
        "resolution_reminder_at": sla.reminder_at(now, dues.resolution.at, desk.calendar, tz),
        "breach_check_at": min(dues.first_response.at, dues.resolution.at),
        "updated_at": now,
    }
    inserted = await session.execute(
        dialect_insert(session)(Ticket)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["opened_by_id", "submission_key"])
        .returning(Ticket.id)
    )
    ticket_id = inserted.scalar()
    if ticket_id is None:  # submitted before: answer as the first time
        existing = (
            await session.scalars(
                select(Ticket).where(Ticket.opened_by_id == person.id, Ticket.submission_key == submission_key[:64])
            )
        ).one()
        return Opened(existing.id, reference(existing.id), dues, False, None)
    await add_entry(session, ticket_id, "partner", description, person.id, now)
    await publish(session, TicketOpened(ticket_id, desk), now)
    await publish(session, TicketChanged(ticket_id, 1, desk), now)
    if severity == "critical" or category == "contract_policy":
        why = "critical" if severity == "critical" else "contract_policy"
        await escalate(session, None, ticket_id, why, now, desk)
    return Opened(ticket_id, reference(ticket_id), dues, True, reference(earlier.id) if earlier else None)
