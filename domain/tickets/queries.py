"""What people see of tickets: a partner's own (admins: their child partners' too) and the agents' queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.leads.queries import family
from domain.models import Partner, Person
from domain.people import PersonView
from domain.tickets.lookup import OPEN
from domain.tickets.models import Ticket, reference

LIMIT = 30


@dataclass(frozen=True)
class TicketLine:
    id: int
    ref: str
    partner: str
    subject: str
    category: str
    severity: str
    status: str
    escalated: bool
    assignee: str | None
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    timezone: str | None

    @property
    def next_due(self) -> dt.datetime | None:
        dues = [d for d in (self.first_response_due_at, self.resolution_due_at) if d is not None]
        return min(dues) if dues else None


def _lines_query() -> Select[Any]:
    assignee = select(Person.name).where(Person.id == Ticket.assignee_id).scalar_subquery()
    return select(
        Ticket.id,
        Partner.name,
        Ticket.subject,
        Ticket.category,
        Ticket.severity,
        Ticket.status,
        Ticket.escalated,
        assignee,
        Ticket.first_response_due_at,
        Ticket.resolution_due_at,
        Ticket.timezone,
    ).join(Partner, Partner.id == Ticket.partner_id)


def _line(row: tuple[object, ...]) -> TicketLine:
    (tid, partner, subject, category, severity, status, escalated, assignee, first, resolution, tz) = row
    assert isinstance(tid, int)
    return TicketLine(
        tid,
        reference(tid),
        str(partner),
        str(subject),
        str(category),
        str(severity),
        str(status),
        bool(escalated),
        assignee if isinstance(assignee, str) else None,
        first if isinstance(first, dt.datetime) else None,
        resolution if isinstance(resolution, dt.datetime) else None,
        tz if isinstance(tz, str) else None,
    )


async def partner_tickets(session: AsyncSession, person: PersonView) -> list[TicketLine]:
    """The open and resolved tickets of the person's partner (admins: with child partners), newest first."""
    if person.partner_id is None:
        return []
    partners = await family(session, person.partner_id) if person.role == "partner_admin" else [person.partner_id]
    query = (
        _lines_query()
        .where(Ticket.partner_id.in_(partners), Ticket.status.in_((*OPEN, "resolved")))
        .order_by(Ticket.opened_at.desc())
        .limit(LIMIT)
    )
    return [_line(tuple(row)) for row in (await session.execute(query)).all()]


async def queue(session: AsyncSession, now: dt.datetime) -> list[TicketLine]:
    """Open tickets by their next due time, overdue first, waiting-on-partner last (their clock stands)."""
    next_due = func.coalesce(Ticket.first_response_due_at, Ticket.resolution_due_at)
    waiting_last = case((Ticket.status == "waiting_on_partner", 1), else_=0)
    query = (
        _lines_query()
        .where(Ticket.status.in_(OPEN))
        .order_by(waiting_last, next_due.is_(None), next_due, Ticket.id)
        .limit(LIMIT)
    )
    return [_line(tuple(row)) for row in (await session.execute(query)).all()]
