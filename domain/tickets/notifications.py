"""Who hears of what happens to a ticket, how urgently and in which template: ticket events → outbox.

The support channel's root message of a ticket is one push kind (`ticket.root`) under the ref key
`ticket:<id>`: the first push posts it, every later one edits it in place. The partner hears on their
own platform; internal notes never become a push.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ScalarSelect, String, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.addresses import Address
from domain.events import notifies
from domain.models import Partner, Person
from domain.outbox import IN_THREAD_OF, Push, enqueue_many
from domain.tickets.events import (
    AgentReplied,
    InfoRequested,
    PartnerWrote,
    SlaReminder,
    TicketChanged,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    TicketResolved,
)
from domain.tickets.models import Ticket, TicketEntry, reference

SUPPORT_ROLES = ("support_agent", "support_manager")
HISTORY_LINES = 30


def root_ref(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _name_of(person_id: int | None) -> ScalarSelect[str]:
    return select(Person.name).where(Person.id == person_id).scalar_subquery()


async def ticket_payload(session: AsyncSession, ticket: Ticket) -> dict[str, Any]:
    """What every ticket push shows: the ticket as it is now (the renderers word it).

    The three names in one statement: a reply builds this twice in the transaction the agent waits on."""
    partner, opener, assignee = (
        await session.execute(
            select(
                select(Partner.name).where(Partner.id == ticket.partner_id).scalar_subquery(),
                _name_of(ticket.opened_by_id),
                _name_of(ticket.assignee_id) if ticket.assignee_id else literal(None, String),
            )
        )
    ).one()
    return {
        "ref": reference(ticket.id),
        "partner": partner or "",
        "opened_by": opener or "",
        "category": ticket.category,
        "severity": ticket.severity,
        "tier": ticket.tier,
        "subject": ticket.subject,
        "status": ticket.status,
        "escalated": ticket.escalated,
        "assignee": assignee,
        "opened_at": _iso(ticket.opened_at),
        "first_response_due_at": _iso(ticket.first_response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
        "paused_minutes": ticket.paused_minutes,
        "timezone": ticket.timezone,
        "repeat_of": reference(ticket.repeat_of_id) if ticket.repeat_of_id else None,
    }


def _to(address: Address) -> dict[str, Any]:
    return {"platform": address.platform, "chat_id": address.chat_id}


async def _support_people(session: AsyncSession, roles: tuple[str, ...] = SUPPORT_ROLES) -> list[int]:
    return list((await session.scalars(select(Person.id).where(Person.role.in_(roles)).order_by(Person.id))).all())


async def _ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    return (
        await session.scalars(select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True))
    ).one()


@notifies(TicketChanged)
async def root_message(session: AsyncSession, event: TicketChanged, now: dt.datetime) -> int:
    """Post the ticket's root message in the support channel, or edit it to show the change."""
    if event.desk.support_channel is None:
        return 0
    ticket = await _ticket(session, event.ticket_id)
    push = Push(
        key=f"ticket.root:{ticket.id}:{event.version}:{event.refresh}",
        kind="ticket.root",
        payload={**await ticket_payload(session, ticket), "as_of": now.isoformat()},
        ref_key=root_ref(ticket.id),
        **_to(event.desk.support_channel),
    )
    return await enqueue_many(session, [push], now=now)


@notifies(TicketOpened)
async def new_ticket_without_channel(session: AsyncSession, event: TicketOpened, now: dt.datetime) -> int:
    """With no support channel, every support agent and manager hears of a new ticket directly."""
    if event.desk.support_channel is not None:
        return 0
    ticket = await _ticket(session, event.ticket_id)
    payload = await ticket_payload(session, ticket)
    pushes = [
        Push(key=f"ticket.new:{ticket.id}:{pid}", kind="ticket.new", payload=payload, person_id=pid, urgent=True)
        for pid in await _support_people(session)
    ]
    return await enqueue_many(session, pushes, now=now)


async def _entry_text(session: AsyncSession, entry_id: int) -> tuple[str, str]:
    body, author = (
        await session.execute(
            select(TicketEntry.body, Person.name)
            .outerjoin(Person, Person.id == TicketEntry.person_id)
            .where(TicketEntry.id == entry_id)
        )
    ).one()
    return body, author or ""


async def _agent_words_to_partner(
    session: AsyncSession, ticket_id: int, entry_id: int, kind: str, now: dt.datetime
) -> int:
    """An agent's question or reply, to the partner who opened the ticket; a reply to it lands on the ticket."""
    ticket = await _ticket(session, ticket_id)
    text, agent = await _entry_text(session, entry_id)
    push = Push(
        key=f"{kind}:{ticket.id}:{entry_id}",
        kind=kind,
        ref_key=f"{root_ref(ticket.id)}:{entry_id}",
        payload={**await ticket_payload(session, ticket), "text": text, "agent": agent},
        person_id=ticket.opened_by_id,
        urgent=True,
    )
    return await enqueue_many(session, [push], now=now)


@notifies(InfoRequested)
async def question_to_partner(session: AsyncSession, event: InfoRequested, now: dt.datetime) -> int:
    return await _agent_words_to_partner(session, event.ticket_id, event.entry_id, "ticket.question", now)


@notifies(AgentReplied)
async def reply_to_partner(session: AsyncSession, event: AgentReplied, now: dt.datetime) -> int:
    return await _agent_words_to_partner(session, event.ticket_id, event.entry_id, "ticket.reply", now)


@notifies(PartnerWrote)
async def partner_words_to_support(session: AsyncSession, event: PartnerWrote, now: dt.datetime) -> int:
    """What the partner wrote reaches the support channel, else the assignee, else every agent."""
    ticket = await _ticket(session, event.ticket_id)
    text, author = await _entry_text(session, event.entry_id)
    payload = {**await ticket_payload(session, ticket), "text": text, "author": author}
    key = f"ticket.partner_wrote:{ticket.id}:{event.entry_id}"
    if event.desk.support_channel is not None:
        in_thread = {**payload, IN_THREAD_OF: root_ref(ticket.id)}
        pushes = [Push(key=key, kind="ticket.partner_wrote", payload=in_thread, **_to(event.desk.support_channel))]
    else:
        people = [ticket.assignee_id] if ticket.assignee_id else await _support_people(session)
        pushes = [Push(key=f"{key}:{p}", kind="ticket.partner_wrote", payload=payload, person_id=p) for p in people]
    return await enqueue_many(session, pushes, now=now)


@notifies(TicketResolved)
async def ask_for_confirmation(session: AsyncSession, event: TicketResolved, now: dt.datetime) -> int:
    ticket = await _ticket(session, event.ticket_id)
    push = Push(
        key=f"ticket.resolved:{ticket.id}:{event.version}",
        kind="ticket.resolved",
        ref_key=f"{root_ref(ticket.id)}:resolved:{event.version}",
        payload={**await ticket_payload(session, ticket), "resolution": ticket.resolution or ""},
        person_id=ticket.opened_by_id,
    )
    return await enqueue_many(session, [push], now=now)


async def _history(session: AsyncSession, ticket_id: int) -> list[dict[str, str]]:
    rows = await session.execute(
        select(TicketEntry.kind, TicketEntry.body, TicketEntry.at, Person.name)
        .outerjoin(Person, Person.id == TicketEntry.person_id)
        .where(TicketEntry.ticket_id == ticket_id)
        .order_by(TicketEntry.id)
    )
    lines = [
        {"kind": kind, "text": body[:500], "at": at.isoformat(), "who": name or ""} for kind, body, at, name in rows
    ]
    return lines[-HISTORY_LINES:]


@notifies(TicketEscalated)
async def escalation(session: AsyncSession, event: TicketEscalated, now: dt.datetime) -> int:
    """The escalation channel and the support managers get the full history; the partner hears the new
    expected time and who owns it."""
    ticket = await _ticket(session, event.ticket_id)
    base = await ticket_payload(session, ticket)
    internal = {**base, "reason": event.reason, "history": await _history(session, ticket.id)}
    key = f"ticket.escalated:{ticket.id}"
    pushes = []
    if event.desk.escalation_channel is not None:
        pushes.append(
            Push(
                key=f"{key}:channel",
                kind="ticket.escalated",
                payload=internal,
                urgent=True,
                **_to(event.desk.escalation_channel),
            )
        )
    for manager in await _support_people(session, ("support_manager",)):
        pushes.append(
            Push(key=f"{key}:{manager}", kind="ticket.escalated", payload=internal, person_id=manager, urgent=True)
        )
    managers = await _support_people(session, ("support_manager",))
    owner = ticket.assignee_id or (managers[0] if managers else None)
    owner_person = await session.get(Person, owner) if owner else None
    pushes.append(
        Push(
            key=f"{key}:partner",
            kind="ticket.escalated_partner",
            payload={**base, "owner": owner_person.name if owner_person else ""},
            person_id=ticket.opened_by_id,
        )
    )
    return await enqueue_many(session, pushes, now=now)


async def _agent_or_channel(
    session: AsyncSession, ticket: Ticket, desk_channel: Address | None
) -> list[dict[str, Any]]:
    if ticket.assignee_id:
        return [{"person_id": ticket.assignee_id}]
    if desk_channel is not None:
        return [_to(desk_channel)]  # in the ticket's thread (see the payloads below)
    return [{"person_id": p} for p in await _support_people(session)]


@notifies(SlaReminder)
async def sla_reminder(session: AsyncSession, event: SlaReminder, now: dt.datetime) -> int:
    ticket = await _ticket(session, event.ticket_id)
    payload = {**await ticket_payload(session, ticket), "which": event.which, IN_THREAD_OF: root_ref(ticket.id)}
    pushes = [
        Push(
            key=f"ticket.sla_reminder:{ticket.id}:{event.which}:{ticket.version}:{n}",
            kind="ticket.sla_reminder",
            payload=payload,
            **target,
        )
        for n, target in enumerate(await _agent_or_channel(session, ticket, event.desk.support_channel))
    ]
    return await enqueue_many(session, pushes, now=now)


@notifies(TicketReopened)
async def reopened(session: AsyncSession, event: TicketReopened, now: dt.datetime) -> int:
    ticket = await _ticket(session, event.ticket_id)
    payload = {**await ticket_payload(session, ticket), "why": event.why, IN_THREAD_OF: root_ref(ticket.id)}
    pushes = [
        Push(key=f"ticket.reopened:{ticket.id}:{event.version}:{n}", kind="ticket.reopened", payload=payload, **target)
        for n, target in enumerate(await _agent_or_channel(session, ticket, event.desk.support_channel))
    ]
    return await enqueue_many(session, pushes, now=now)
