"""A ticket's life after it was opened (opening.py): taken, waiting on the partner, answered,
escalated, resolved, confirmed.

Each change is one conditional UPDATE (domain.transitions) that is the first write of its transaction,
then the history entry and the events. Who may do what is decided here: partners act only on their own
partner's tickets (a crafted button on another partner's ticket reads "not found"), agents on any.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.errors import Conflict, NotAllowed
from domain.events import publish
from domain.i18n import N_
from domain.people import PARTNER_ROLES, PersonView
from domain.tickets import (
    notifications,  # noqa: F401  (registers who hears of each ticket event)
    sla,
)
from domain.tickets.desk import Desk
from domain.tickets.events import (
    AgentReplied,
    InfoRequested,
    PartnerWrote,
    TicketChanged,
    TicketEscalated,
    TicketReopened,
    TicketResolved,
)
from domain.tickets.lookup import (
    AGENTS,
    CONFIRM_WITHIN_DAYS,
    MAX_TEXT,
    OPEN,
    WORKING,
    add_entry,
    bounded,
    bump,
    find,
    first_response_done,
    reload,
)
from domain.tickets.models import Ticket, TicketEntry


def _agent(person: PersonView) -> None:
    if person.role not in AGENTS:
        raise NotAllowed(N_("Only the support team can do this with a ticket."))


async def take(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, desk: Desk) -> Ticket:
    """An agent takes the ticket: it is theirs and in progress; taking counts as the first response."""
    _agent(person)
    ticket = await find(session, person, ref)
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        WORKING,
        {"status": "in_progress", "assignee_id": person.id, **first_response_done(now), **bump(now)},
    )
    if done is None:
        current = await reload(session, ticket.id)
        if current.assignee_id == person.id:
            return current
        raise Conflict(N_("Ticket %(ref)s is no longer open to take."), ref=current.ref)
    ticket = await reload(session, ticket.id)
    await add_entry(session, ticket.id, "status", f"taken by {person.name}", person.id, now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket


async def ask_partner(
    session: AsyncSession, person: PersonView, ref: str, question: str, now: dt.datetime, desk: Desk
) -> Ticket:
    """The agent needs information: the question goes to the partner and the SLA clock stops."""
    _agent(person)
    question = bounded(question, MAX_TEXT, N_("question"))
    ticket = await find(session, person, ref)
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        WORKING,
        {
            "status": "waiting_on_partner",
            "paused_at": now,
            "assignee_id": ticket.assignee_id or person.id,
            "first_response_at": ticket.first_response_at or now,
            "first_response_due_at": None,
            "first_response_reminder_at": None,
            "resolution_reminder_at": None,
            "breach_check_at": None,
            **bump(now),
        },
    )
    if done is None:
        raise Conflict(N_("Ticket %(ref)s is not being worked on; it cannot wait for the partner."), ref=ticket.ref)
    entry_id = await add_entry(session, ticket.id, "agent", question, person.id, now)
    ticket = await reload(session, ticket.id)
    await publish(session, InfoRequested(ticket.id, entry_id), now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket


async def partner_writes(
    session: AsyncSession, person: PersonView, ref: str, text: str, now: dt.datetime, desk: Desk
) -> Ticket:
    """The partner adds to their ticket; an answer to a question resumes the SLA clock."""
    text = bounded(text, MAX_TEXT, N_("message"))
    if person.role not in PARTNER_ROLES:
        raise NotAllowed(N_("Only the partner's people write to the partner's ticket."))
    ticket = await find(session, person, ref)
    if ticket.status == "closed":
        raise Conflict(N_("Ticket %(ref)s is closed. Open a new ticket with /ticket."), ref=ticket.ref)
    if ticket.status == "waiting_on_partner" and ticket.paused_at is not None:
        tz = ticket.timezone
        paused = sla.business_time_between(ticket.paused_at, now, desk.calendar, tz)
        resolution = (
            sla.resume(ticket.resolution_due_at, ticket.paused_at, now, desk.calendar, tz)
            if ticket.resolution_due_at
            else None
        )
        done = await transitions.transition(
            session,
            Ticket,
            ticket.id,
            "waiting_on_partner",
            {
                "status": "in_progress",
                "paused_at": None,
                "paused_minutes": Ticket.paused_minutes + int(paused.total_seconds() // 60),
                "resolution_due_at": resolution,
                "resolution_reminder_at": sla.reminder_at(now, resolution, desk.calendar, tz) if resolution else None,
                "breach_check_at": resolution,
                **bump(now),
            },
        )
        if done is not None:
            ticket = await reload(session, ticket.id)
            await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    entry_id = await add_entry(session, ticket.id, "partner", text, person.id, now)
    await publish(session, PartnerWrote(ticket.id, entry_id, desk), now)
    return ticket


async def agent_replies(
    session: AsyncSession, person: PersonView, ref: str, text: str, now: dt.datetime, desk: Desk
) -> Ticket:
    """An agent's reply for the partner (or, starting with `note:`, an internal note that never leaves);
    the ticket it went to."""
    _agent(person)
    ticket = await find(session, person, ref)
    if ticket.status == "closed":
        raise Conflict(N_("Ticket %(ref)s is closed; the partner was not sent this."), ref=ticket.ref)
    internal = text.strip().lower().startswith("note:")
    body = bounded(text.strip()[5:] if internal else text, MAX_TEXT * 4, N_("reply"))
    entry_id = await add_entry(session, ticket.id, "note" if internal else "agent", body, person.id, now)
    if not internal:
        if ticket.first_response_at is None:
            answered = await transitions.transition(
                session,
                Ticket,
                ticket.id,
                WORKING,
                {
                    "status": "in_progress",  # someone is on it, as with Take
                    "assignee_id": ticket.assignee_id or person.id,
                    **first_response_done(now),
                    **bump(now),
                },
            )
            if answered is not None:  # its version is in the returned row; the notifier reads the rest
                await publish(session, TicketChanged(ticket.id, int(answered.version), desk), now)
        await publish(session, AgentReplied(ticket.id, entry_id), now)
    return ticket


async def escalate(
    session: AsyncSession,
    person: PersonView | None,
    ref_or_id: str | int,
    reason: str,
    now: dt.datetime,
    desk: Desk,
) -> Ticket | None:
    """Escalate once: to the escalation channel and the support managers with the full history; the
    partner hears the new expected time and who owns it. `person` None: the sweep or the rules."""
    if person is not None:
        _agent(person)
        ticket = await find(session, person, str(ref_or_id))
    else:
        found = await session.get(Ticket, int(ref_or_id))
        if found is None:
            return None
        ticket = found
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        OPEN,
        {"escalated": True, "escalated_at": now, **bump(now)},
        Ticket.escalated.is_(False),
    )
    if done is None:
        if person is not None:
            raise Conflict(N_("Ticket %(ref)s is already escalated or no longer open."), ref=ticket.ref)
        return None
    ticket = await reload(session, ticket.id)
    await add_entry(session, ticket.id, "status", f"escalated: {reason}", person.id if person else None, now)
    await publish(session, TicketEscalated(ticket.id, reason, ticket.version, desk), now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket


async def resolve(
    session: AsyncSession,
    person: PersonView,
    ref: str,
    resolution: str | None,
    now: dt.datetime,
    desk: Desk,
) -> Ticket:
    """Resolved by an agent: the partner is asked to confirm within 3 business days."""
    _agent(person)
    ticket = await find(session, person, ref)
    if not resolution:
        last = await session.scalar(
            select(TicketEntry.body)
            .where(TicketEntry.ticket_id == ticket.id, TicketEntry.kind == "agent")
            .order_by(TicketEntry.id.desc())
            .limit(1)
        )
        resolution = last or ""
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        OPEN,
        {
            "status": "resolved",
            "resolution_kept": case(
                (Ticket.resolution_due_at.is_(None), Ticket.resolution_kept), else_=Ticket.resolution_due_at >= now
            ),
            "resolved_at": now,
            "resolution": resolution[: MAX_TEXT * 4],
            "assignee_id": ticket.assignee_id or person.id,
            "paused_at": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "first_response_reminder_at": None,
            "resolution_reminder_at": None,
            "breach_check_at": None,
            "confirm_due_at": desk.calendar.add_business_days(now, CONFIRM_WITHIN_DAYS, ticket.timezone),
            **bump(now),
        },
    )
    if done is None:
        raise Conflict(N_("Ticket %(ref)s is not open; it cannot be resolved."), ref=ticket.ref)
    ticket = await reload(session, ticket.id)
    await add_entry(session, ticket.id, "status", f"resolved by {person.name}", person.id, now)
    await publish(session, TicketResolved(ticket.id, ticket.version), now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket


async def confirm(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, desk: Desk) -> Ticket:
    """The partner confirms the resolution: closed, the resolution kept."""
    if person.role not in PARTNER_ROLES:
        raise NotAllowed(N_("Only the partner's people confirm a resolution."))
    ticket = await find(session, person, ref)
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        "resolved",
        {"status": "closed", "closed_at": now, "confirm_due_at": None, **bump(now)},
    )
    if done is None:
        current = await reload(session, ticket.id)
        if current.status == "closed":
            return current
        raise Conflict(N_("Ticket %(ref)s is not waiting for your confirmation."), ref=ticket.ref)
    ticket = await reload(session, ticket.id)
    await add_entry(session, ticket.id, "status", f"confirmed by {person.name}", person.id, now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket


async def reopen(
    session: AsyncSession,
    person: PersonView | None,
    ref_or_id: str | int,
    now: dt.datetime,
    desk: Desk,
    why: str = "not_fixed",
) -> Ticket | None:
    """Not fixed (the partner) or never confirmed (the sweep): back in progress, the agent told."""
    if person is not None:
        if person.role not in PARTNER_ROLES:
            raise NotAllowed(N_("Only the partner's people reopen their ticket."))
        ticket = await find(session, person, str(ref_or_id))
    else:
        found = await session.get(Ticket, int(ref_or_id))
        if found is None:
            return None
        ticket = found
    dues = sla.due_times(
        now,
        category=ticket.category,
        severity=ticket.severity,
        tier=ticket.tier,
        calendar=desk.calendar,
        tz_name=ticket.timezone,
    )
    done = await transitions.transition(
        session,
        Ticket,
        ticket.id,
        "resolved",
        {
            "status": "in_progress",
            "resolved_at": None,
            "confirm_due_at": None,
            "resolution_due_at": dues.resolution.at,
            "breach_check_at": dues.resolution.at,
            "resolution_reminder_at": sla.reminder_at(now, dues.resolution.at, desk.calendar, ticket.timezone),
            **bump(now),
        },
    )
    if done is None:
        if person is not None:
            raise Conflict(N_("Ticket %(ref)s is not resolved; there is nothing to reopen."), ref=ticket.ref)
        return None
    ticket = await reload(session, ticket.id)
    await add_entry(session, ticket.id, "status", f"reopened: {why}", person.id if person else None, now)
    await publish(session, TicketReopened(ticket.id, why, ticket.version, desk), now)
    await publish(session, TicketChanged(ticket.id, ticket.version, desk), now)
    return ticket
