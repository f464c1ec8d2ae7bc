"""The numbers of the leads program (DOMAIN.md defaults), gathered so an operator can change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.addresses import Address
from domain.calendar import BusinessCalendar, add_business_hours

PRIORITIES = ("hot", "warm", "cold")
ASSIGNMENTS = ("shark_tank", "round_robin", "direct")
TIERS = ("registered", "silver", "gold", "platinum")
TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}
# Regions every program has, besides whatever the partner file names.
KNOWN_REGIONS = ("amer", "emea", "apac", "latam")

HOLDING = ("claimed", "accepted", "contacted", "meeting", "qualified")
WAITING = ("new", "offered", "assigned")
OPEN = (*WAITING, *HOLDING)
CLOSED = ("converted", "disqualified", "expired")
STAGES = ("contacted", "meeting", "qualified", "disqualified")
STAGE_ORDER = {s: n for n, s in enumerate(("claimed", "accepted", "contacted", "meeting", "qualified"))}
STAGE_ORDER["accepted"] = STAGE_ORDER["claimed"]


def _sla() -> dict[str, dt.timedelta]:
    return {"hot": dt.timedelta(hours=24), "warm": dt.timedelta(hours=48), "cold": dt.timedelta(hours=72)}


def _capacity() -> dict[str, int]:
    return {"registered": 5, "silver": 10, "gold": 10, "platinum": 10}


def _weights() -> dict[str, int]:
    return {"platinum": 3, "gold": 2, "silver": 1, "registered": 1}


@dataclass(frozen=True)
class LeadPolicy:
    """Windows, SLAs, capacities and weights; `cam_channel` is the program's channel for CAM alerts.

    The windows are counted in business days of `calendar` (see `deadline`).
    """

    cam_channel: Address | None = None
    offer_window: dt.timedelta = dt.timedelta(hours=24)
    acceptance_window: dt.timedelta = dt.timedelta(hours=24)
    followup_sla: dict[str, dt.timedelta] = field(default_factory=_sla)
    capacity: dict[str, int] = field(default_factory=_capacity)
    weights: dict[str, int] = field(default_factory=_weights)
    sweep_batch: int = 200
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def sla(self, priority: str) -> dt.timedelta:
        return self.followup_sla.get(priority, self.followup_sla["cold"])

    def deadline(self, start: dt.datetime, window: dt.timedelta, timezones: Iterable[str | None] = ()) -> dt.datetime:
        """When `window` started at `start` runs out: the weekends and holidays of the partners' calendars
        (program calendar, each partner's timezone) do not count (calendar.add_business_hours). A window
        shared by several partners (a shark-tank offer) ends when it has run out for every one of them.
        """
        zones = set(timezones) or {None}
        return max(add_business_hours(start, window, self.calendar, tz) for tz in zones)

    def capacity_of(self, tier: str) -> int:
        return self.capacity.get(tier, 10)

    def weight_of(self, tier: str) -> int:
        return self.weights.get(tier, 1)
