"""What program health finds, as typed events; domain/health/notifications.py says who hears."""

from __future__ import annotations

from dataclasses import dataclass

from domain.addresses import Address
from domain.events import Event


@dataclass(frozen=True)
class CredentialExpiring(Event):
    credential_id: int
    days_left: int


@dataclass(frozen=True)
class CredentialExpired(Event):
    credential_id: int
    program_channel: Address | None


@dataclass(frozen=True)
class TierNews(Event):
    """An advancement the partner qualifies for, or its tier at risk before the review date."""

    partner_id: int
    news: str  # advancement | at_risk
    tier: str
    review_on: str
    won_value: str
    certified: int
    program_channel: Address | None


@dataclass(frozen=True)
class HealthDropped(Event):
    partner_id: int
    before: int
    now: int
    reasons: tuple[str, ...]
    program_channel: Address | None


@dataclass(frozen=True)
class Announced(Event):
    announcement_id: int
    bodies: tuple[tuple[str, str], ...]  # (language, markdown)
    person_ids: tuple[tuple[int, str], ...]  # (person, language)
