"""Due work of the support desk, found by indexed due-time columns as of one instant.

Three sweeps: the 75 % reminders (first response, resolution), the breach check (escalation), and the
confirmation wait (a resolution nobody confirmed within 3 business days re-opens the ticket; it never
closes silently). Each due ticket is handled in its own transaction by a conditional UPDATE that
clears its due column, so a second run for the same instant finds nothing and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute

from domain import transitions
from domain.events import publish
from domain.sweeps import Sweep, SweepContext, drain_due
from domain.tickets import lifecycle
from domain.tickets.desk import Desk
from domain.tickets.events import SlaReminder, TicketChanged
from domain.tickets.lookup import WORKING
from domain.tickets.models import Ticket

BATCH = 500
Handle = Callable[[Any, int, Any, Desk], Awaitable[int]]


async def _remind(
    session: Any, ticket_id: int, column: InstrumentedAttribute[Any], which: str, at: Any, desk: Desk
) -> int:
    done = await transitions.transition(session, Ticket, ticket_id, WORKING, {column.key: None}, column <= at)
    if done is None:
        return 0
    await publish(session, SlaReminder(ticket_id, which, desk), at)
    return 1


async def remind_first_response(session: Any, ticket_id: int, at: Any, desk: Desk) -> int:
    return await _remind(session, ticket_id, Ticket.first_response_reminder_at, "first_response", at, desk)


async def remind_resolution(session: Any, ticket_id: int, at: Any, desk: Desk) -> int:
    return await _remind(session, ticket_id, Ticket.resolution_reminder_at, "resolution", at, desk)


async def check_breach(session: Any, ticket_id: int, at: Any, desk: Desk) -> int:
    """A due time passed without its response or resolution: escalate (once)."""
    done = await transitions.transition(
        session, Ticket, ticket_id, WORKING, {"breach_check_at": None}, Ticket.breach_check_at <= at
    )
    if done is None:
        return 0
    escalated = await lifecycle.escalate(session, None, ticket_id, "breach", at, desk)
    return 1 if escalated is not None else 0


async def reopen_unconfirmed(session: Any, ticket_id: int, at: Any, desk: Desk) -> int:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.confirm_due_at is None or ticket.confirm_due_at > at:
        return 0
    reopened = await lifecycle.reopen(session, None, ticket_id, at, desk, why="not_confirmed")
    return 1 if reopened is not None else 0


REFRESH_EVERY = dt.timedelta(minutes=10)
REFRESH_AHEAD = dt.timedelta(hours=4)


async def refresh_roots(ctx: SweepContext, desk: Desk) -> int:
    """Keep the support channel's "first response due in 1 h 20 m" lines current: every 10 minutes, the
    root of each worked ticket due within 4 hours (or overdue) is edited. Once per 10-minute slot, so
    sweeping the same instant twice edits nothing twice."""
    if desk.support_channel is None:
        return 0
    slot = ctx.at.replace(minute=ctx.at.minute - ctx.at.minute % 10, second=0, microsecond=0).isoformat()
    horizon = ctx.at + REFRESH_AHEAD
    due_soon = or_(Ticket.first_response_due_at <= horizon, Ticket.resolution_due_at <= horizon)
    async with ctx.uow() as uow:
        rows = (
            await uow.session.execute(
                select(Ticket.id, Ticket.version).where(Ticket.status.in_(WORKING), due_soon).limit(BATCH)
            )
        ).all()
        queued = 0
        for ticket_id, version in rows:
            queued += await publish(uow.session, TicketChanged(ticket_id, version, desk, refresh=slot), ctx.at)
        await uow.commit()
    return queued


def sweeps(desk: Desk) -> tuple[Sweep, ...]:
    def make(column: InstrumentedAttribute[Any], handle: Handle) -> Callable[[SweepContext], Awaitable[int]]:
        async def run(ctx: SweepContext) -> int:
            return await drain_due(
                ctx, column, lambda session, ticket_id: handle(session, ticket_id, ctx.at, desk), batch=BATCH
            )

        return run

    return (
        Sweep("tickets_first_response_reminders", make(Ticket.first_response_reminder_at, remind_first_response)),
        Sweep("tickets_resolution_reminders", make(Ticket.resolution_reminder_at, remind_resolution)),
        Sweep("tickets_breaches", make(Ticket.breach_check_at, check_breach)),
        Sweep("tickets_unconfirmed_reopened", make(Ticket.confirm_due_at, reopen_unconfirmed)),
        Sweep("tickets_due_lines_refreshed", lambda ctx: refresh_roots(ctx, desk)),
    )
