"""The numbers of deal registration and commissions (DOMAIN.md): every one a default the operator changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from domain.addresses import Address
from domain.calendar import BusinessCalendar


def _rates() -> dict[str, Decimal]:
    return {
        "registered": Decimal("0.05"),
        "silver": Decimal("0.08"),
        "gold": Decimal("0.10"),
        "platinum": Decimal("0.12"),
    }


@dataclass(frozen=True)
class DealPolicy:
    """`cam_channel` is the program's channel for CAM alerts when a partner has none of its own."""

    cam_channel: Address | None = None
    conflict_threshold: int = 90
    protection: dt.timedelta = dt.timedelta(days=90)
    reminders: tuple[int, ...] = (14, 3)
    """Days before expiry when the partner is reminded, with a button to ask for an extension."""
    commission_rates: dict[str, Decimal] = field(default_factory=_rates)
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    block_on_expired_agreement: bool = False
    """PARTNERBOT_BLOCK_DEALS_ON_EXPIRED_AGREEMENT: refuse registrations while an agreement has lapsed."""

    def rate(self, tier: str) -> Decimal:
        return self.commission_rates.get(tier, self.commission_rates["registered"])

    def next_reminder(self, expires_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
        """The next reminder still ahead of `now` (a reminder already due is sent at once, once)."""
        for days in sorted(self.reminders, reverse=True):
            at = expires_at - dt.timedelta(days=days)
            if at > now - dt.timedelta(days=1) and at < expires_at:
                return max(at, now)
        return None
