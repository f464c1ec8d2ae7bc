"""The program-health settings, parsed and checked once (a bad value stops start-up with one line).

`PARTNERBOT_TIER_THRESHOLDS`: `silver=100000:1,gold=500000:3,platinum=2000000:6` — per tier, the won deal
value in the trailing 12 months and the number of certified people it takes; both must increase with the
tier. `PARTNERBOT_HEALTH_WEIGHTS`: `leads=30,deals=25,certifications=20,tickets=15,engagement=10`, summing
to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from domain.addresses import Address
from domain.calendar import BusinessCalendar

TIERS = ("registered", "silver", "gold", "platinum")
COMPONENTS = ("leads", "deals", "certifications", "tickets", "engagement")
DEFAULT_THRESHOLDS = "silver=100000:1,gold=500000:3,platinum=2000000:6"
DEFAULT_WEIGHTS = "leads=30,deals=25,certifications=20,tickets=15,engagement=10"


@dataclass(frozen=True)
class Threshold:
    won_value: Decimal
    certified: int


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in (text or "").split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{item.strip()!r} is not NAME=VALUE in the {what}")
        pairs.append((key.strip().lower(), value.strip()))
    return pairs


def parse_thresholds(text: str) -> dict[str, Threshold]:
    found: dict[str, Threshold] = {}
    for tier, value in _pairs(text, "tier thresholds"):
        if tier not in TIERS[1:]:
            raise ValueError(f"unknown tier {tier!r} (silver, gold, platinum)")
        amount, sep, people = value.partition(":")
        try:
            threshold = Threshold(Decimal(amount), int(people) if sep else 0)
        except (InvalidOperation, ValueError):
            raise ValueError(f"{tier}={value}: write WON_VALUE:CERTIFIED_PEOPLE, like 100000:1") from None
        if threshold.won_value < 0 or threshold.certified < 0:
            raise ValueError(f"{tier}={value}: negative")
        found[tier] = threshold
    ordered = [found[t] for t in TIERS[1:] if t in found]
    for lower, higher in pairwise(ordered):
        if higher.won_value < lower.won_value or higher.certified < lower.certified:
            raise ValueError("tier thresholds must not decrease from silver to gold to platinum")
    return found


def parse_weights(text: str) -> dict[str, int]:
    weights = {}
    for name, value in _pairs(text, "health weights"):
        if name not in COMPONENTS:
            raise ValueError(f"unknown health component {name!r} ({', '.join(COMPONENTS)})")
        if not value.isdigit():
            raise ValueError(f"{name}={value}: a whole number")
        weights[name] = int(value)
    if sum(weights.values()) != 100:
        raise ValueError(f"the health weights add up to {sum(weights.values())}, not 100")
    return {name: weights.get(name, 0) for name in COMPONENTS}


@dataclass(frozen=True)
class HealthPolicy:
    thresholds: dict[str, Threshold] = field(default_factory=lambda: parse_thresholds(DEFAULT_THRESHOLDS))
    weights: dict[str, int] = field(default_factory=lambda: parse_weights(DEFAULT_WEIGHTS))
    block_deals_on_expired_agreement: bool = False
    cam_channel: Address | None = None
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    reminders: tuple[int, ...] = (30, 7)
    risk_window_days: int = 60
    drop_alert: int = 15
