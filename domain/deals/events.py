"""What happens to a deal registration, as typed events; domain/deals/notifications.py says who hears."""

from __future__ import annotations

from dataclasses import dataclass

from domain.addresses import Address
from domain.events import Event


@dataclass(frozen=True)
class DealChanged(Event):
    """Registered, decided, answered, extended, won or lost: the CAM's alert is posted or edited in place."""

    deal_id: int
    version: int
    program_channel: Address | None
    note: str = ""
    """Said in the alert's thread too, so the CAM notices the change: `answered`, `extension`."""


@dataclass(frozen=True)
class DealDecided(Event):
    """The CAM approved, rejected or asked for information: the partner hears within seconds."""

    deal_id: int
    decision: str  # approved | rejected | info_requested | extended | extension_refused
    version: int


@dataclass(frozen=True)
class ProtectionEnding(Event):
    """A reminder before protection ends, with a button to ask for an extension."""

    deal_id: int
    days_left: int


@dataclass(frozen=True)
class ProtectionEnded(Event):
    deal_id: int


@dataclass(frozen=True)
class DealClosed(Event):
    """Won or lost in the CRM (or by the CAM's button): the partner hears, with the commission accrued."""

    deal_id: int
    outcome: str  # won | lost
