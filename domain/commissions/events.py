"""What happens to a commission line, as typed events; domain/commissions/notifications.py says who hears."""

from __future__ import annotations

from dataclasses import dataclass

from domain.addresses import Address
from domain.events import Event


@dataclass(frozen=True)
class CommissionPaid(Event):
    """Finance marked a line paid: the partner gets a payment notice."""

    line_id: int


@dataclass(frozen=True)
class CommissionDisputed(Event):
    """A partner disputes a line; with tickets it is a `commission_payment` ticket, and the CAM hears."""

    line_id: int
    person_id: int
    ticket: str | None
    program_channel: Address | None
