"""The support desk's configuration as the domain needs it: its calendar and where its channels are."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.addresses import Address
from domain.calendar import BusinessCalendar


@dataclass(frozen=True)
class Desk:
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    support_channel: Address | None = None
    """Where every ticket has its root message (edited in place as the ticket changes)."""
    escalation_channel: Address | None = None
    """Where escalations go, besides the support managers."""
