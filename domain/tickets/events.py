"""What happens to a ticket, as typed events; domain/tickets/notifications.py says who hears of each."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import Event
from domain.tickets.desk import Desk


@dataclass(frozen=True)
class TicketChanged(Event):
    """Anything on the root message changed (opened, taken, waiting, escalated, resolved …): the
    support channel's root message is posted or edited in place."""

    ticket_id: int
    version: int
    desk: Desk
    refresh: str = ""
    """Set by the sweep that keeps the "due in 1 h 20 m" line current: which refresh this is."""


@dataclass(frozen=True)
class TicketOpened(Event):
    """A partner opened a ticket: the support team hears of it (the root message does that)."""

    ticket_id: int
    desk: Desk


@dataclass(frozen=True)
class InfoRequested(Event):
    """The agent needs something from the partner; the clock is paused until they answer."""

    ticket_id: int
    entry_id: int


@dataclass(frozen=True)
class AgentReplied(Event):
    """An agent's words for the partner, delivered on the partner's own platform."""

    ticket_id: int
    entry_id: int


@dataclass(frozen=True)
class PartnerWrote(Event):
    """The partner added to the ticket: the support channel sees it."""

    ticket_id: int
    entry_id: int
    desk: Desk


@dataclass(frozen=True)
class TicketResolved(Event):
    """Resolved: the partner is asked to confirm (or say it is not fixed)."""

    ticket_id: int
    version: int


@dataclass(frozen=True)
class TicketEscalated(Event):
    """Breached, critical or a contract dispute: the escalation channel and the support managers get the
    full history; the partner hears the new expected time and who owns it."""

    ticket_id: int
    reason: str
    version: int
    desk: Desk


@dataclass(frozen=True)
class SlaReminder(Event):
    """75 % of an SLA is gone: the assignee (else the support channel) is reminded."""

    ticket_id: int
    which: str  # first_response | resolution
    desk: Desk


@dataclass(frozen=True)
class TicketReopened(Event):
    """The partner said it is not fixed, or never confirmed within 3 business days: the agent hears."""

    ticket_id: int
    why: str
    version: int
    desk: Desk
