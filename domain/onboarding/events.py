"""What happens on an onboarding journey, as typed events; domain/onboarding/notifications.py says who hears."""

from __future__ import annotations

from dataclasses import dataclass

from domain.addresses import Address
from domain.events import Event
from domain.onboarding.tracks import Track


@dataclass(frozen=True)
class MilestoneNudge(Event):
    """A milestone's window is open and it is not done: the partner's linked people get one nudge."""

    partner_id: int
    milestone: str
    on: str  # the partner-local day, ISO: the nudge's idempotency
    person_ids: tuple[int, ...]


@dataclass(frozen=True)
class AlertsFound(Event):
    """CAM alerts one sweep found: one message per CAM, a line per partner and milestone."""

    alert_ids: tuple[int, ...]
    program_channel: Address | None


@dataclass(frozen=True)
class ReviewDue(Event):
    """Day 90: the CAM gets the review package."""

    partner_id: int
    program_channel: Address | None
    track: Track
