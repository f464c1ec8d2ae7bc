"""The onboarding program's settings: tracks (default or from the operator's file), the calendar whose
business days nudges keep, the hour of the partner's morning when its journey is checked, and where CAM
alerts go when a partner has no CAM channel of its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.addresses import Address
from domain.calendar import BusinessCalendar
from domain.onboarding.tracks import DEFAULT_TRACKS, Track


@dataclass(frozen=True)
class OnboardingPolicy:
    tracks: dict[str, Track] = field(default_factory=lambda: dict(DEFAULT_TRACKS))
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    cam_channel: Address | None = None
    morning_hour: int = 9
    snooze_days: int = 3

    def track(self, partner_type: str) -> Track:
        return self.tracks.get(partner_type) or DEFAULT_TRACKS["reseller"]
