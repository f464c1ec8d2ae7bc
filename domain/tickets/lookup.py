"""Finding a ticket as a person may see it, and the small steps every change of a ticket shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput, NotFound
from domain.i18n import N_
from domain.leads.queries import family
from domain.people import PARTNER_ROLES, PersonView
from domain.tickets.models import Ticket, TicketEntry

OPEN = ("submitted", "triage", "in_progress", "waiting_on_partner")
WORKING = ("submitted", "triage", "in_progress")
AGENTS = frozenset({"support_agent", "support_manager", "admin"})
REPEAT_WINDOW = dt.timedelta(days=30)
REPEAT_SIMILARITY = 80
CONFIRM_WITHIN_DAYS = 3
MAX_SUBJECT, MAX_TEXT = 200, 4000


def bump(now: dt.datetime) -> dict[str, Any]:
    return {"updated_at": now, "version": Ticket.version + 1}


def first_response_done(now: dt.datetime) -> dict[str, Any]:
    """The first response happened (kept if it did before): its clock stops, the resolution's runs on."""
    return {
        "first_response_at": func.coalesce(Ticket.first_response_at, now),
        "first_response_kept": func.coalesce(
            Ticket.first_response_kept,
            case((Ticket.first_response_due_at.is_(None), None), else_=Ticket.first_response_due_at >= now),
        ),
        "first_response_due_at": None,
        "first_response_reminder_at": None,
        "breach_check_at": Ticket.resolution_due_at,
    }


def bounded(value: str, limit: int, what: str) -> str:
    cleaned = " ".join(value.split()) if limit <= MAX_SUBJECT else value.strip()
    if not cleaned:
        raise InvalidInput(N_("The %(field)s is empty."), field=what)
    if len(cleaned) > limit:
        raise InvalidInput(N_("The %(field)s is too long: at most %(limit)s characters."), field=what, limit=limit)
    return cleaned


async def find(session: AsyncSession, person: PersonView, ref: str) -> Ticket:
    """The ticket `T-000042` (or `42`) as this person may see it; another partner's reads as unknown."""
    digits = (ref or "").strip().upper().removeprefix("T-").removeprefix("T").lstrip("#")
    ticket = await session.get(Ticket, int(digits)) if digits.isdigit() and len(digits) < 10 else None
    if ticket is not None and person.role in PARTNER_ROLES:
        allowed = await family(session, person.partner_id) if person.partner_id else []
        if ticket.partner_id not in allowed:
            ticket = None
    elif ticket is not None and person.role not in AGENTS:
        ticket = None
    if ticket is None:
        raise NotFound(N_("There is no ticket %(ref)s that you can see."), ref=(ref or "").strip()[:20])
    return ticket


async def add_entry(
    session: AsyncSession, ticket_id: int, kind: str, body: str, person_id: int | None, now: dt.datetime
) -> int:
    entry = TicketEntry(ticket_id=ticket_id, kind=kind, body=body, person_id=person_id, at=now)
    session.add(entry)
    await session.flush()
    return entry.id


async def reload(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = (
        await session.scalars(select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True))
    ).one()
    return ticket
