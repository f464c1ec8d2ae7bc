"""Support SLAs (DOMAIN.md "Support tickets"): due times counted in business time, and why.

First response and resolution targets come from the severity; the resolution is the earlier of the
severity's and the category's target; gold and platinum partners get 0.75 × and 0.5 × the first-response
time. Time counts only inside business hours of the program's calendar (holidays skipped) in the
partner's timezone, and stands still while the ticket waits on the partner. Each due time carries its
reasons, so a chat can say "due Tue 14:00 (high severity, gold tier ×0.75)".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.calendar import BusinessCalendar


@dataclass(frozen=True)
class Target:
    """A span of business time: hours, whole business days, or the end of the business day."""

    hours: float = 0
    days: int = 0
    end_of_day: bool = False

    def after(self, start: dt.datetime, calendar: BusinessCalendar, tz_name: str | None) -> dt.datetime:
        if self.end_of_day:
            return end_of_business_day(start, calendar, tz_name)
        if self.days:
            return calendar.add_business_days(start, self.days, tz_name)
        return calendar.add_business_time(start, dt.timedelta(hours=self.hours), tz_name)

    def business_hours(self, calendar: BusinessCalendar) -> float:
        """The span in business hours (a business day is the calendar's daily window)."""
        return self.hours or self.days * day_length(calendar).total_seconds() / 3600


@dataclass(frozen=True)
class Category:
    key: str
    team: str
    resolution: Target


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category("platform_access", "Platform operations", Target(hours=8)),
        Category("deal_registration", "Channel operations", Target(days=2)),
        Category("commission_payment", "Channel finance", Target(days=3)),
        Category("mdf_incentives", "Channel marketing", Target(days=3)),
        Category("training_certification", "Channel enablement", Target(days=2)),
        Category("contract_policy", "Channel operations / legal", Target(days=3)),
        Category("technical_product", "Technical support", Target(days=2)),
        Category("marketing_assets", "Channel marketing", Target(days=2)),
    )
}
SEVERITIES = ("critical", "high", "medium", "low")
FIRST_RESPONSE = {
    "critical": Target(hours=2),
    "high": Target(hours=4),
    "medium": Target(hours=8),
    "low": Target(days=1),
}
RESOLUTION = {
    "critical": Target(end_of_day=True),
    "high": Target(days=1),
    "medium": Target(days=3),
    "low": Target(days=5),
}
TIER_FIRST_RESPONSE = {"gold": 0.75, "platinum": 0.5}


@dataclass(frozen=True)
class Reason:
    """One part of why a due time is what it is, for the chat to word: severity, tier, category, paused."""

    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Dues:
    first_response: Due
    resolution: Due


def day_length(calendar: BusinessCalendar) -> dt.timedelta:
    return dt.timedelta(minutes=calendar.hours.end_minute - calendar.hours.start_minute)


def end_of_business_day(start: dt.datetime, calendar: BusinessCalendar, tz_name: str | None) -> dt.datetime:
    """The end of the business window of the day `start` falls in (outside hours: of the next one)."""
    tz = calendar.tz(tz_name)
    begins = calendar.next_business_time(start, tz_name).astimezone(tz)
    midnight = dt.datetime.combine(begins.date(), dt.time(), tzinfo=tz)
    return (midnight + dt.timedelta(minutes=calendar.hours.end_minute)).astimezone(dt.UTC)


def business_time_between(
    start: dt.datetime, end: dt.datetime, calendar: BusinessCalendar, tz_name: str | None
) -> dt.timedelta:
    """Business time that passed between two instants (none when `end` is not after `start`)."""
    total = dt.timedelta()
    cursor = start
    for _ in range(2000):
        if cursor >= end:
            break
        cursor = calendar.next_business_time(cursor, tz_name)
        if cursor >= end:
            break
        window_end = end_of_business_day(cursor, calendar, tz_name)
        total += min(window_end, end) - cursor
        cursor = window_end
    return total


def resume(
    due_at: dt.datetime,
    paused_at: dt.datetime,
    resumed_at: dt.datetime,
    calendar: BusinessCalendar,
    tz_name: str | None,
) -> dt.datetime:
    """A due time pushed back by the business time spent waiting on the partner."""
    waited = business_time_between(paused_at, resumed_at, calendar, tz_name)
    return calendar.add_business_time(due_at, waited, tz_name) if waited > dt.timedelta() else due_at


def reminder_at(
    opened_at: dt.datetime, due_at: dt.datetime, calendar: BusinessCalendar, tz_name: str | None
) -> dt.datetime:
    """When 75 % of the business time between opening and the due time has gone."""
    span = business_time_between(opened_at, due_at, calendar, tz_name)
    return calendar.add_business_time(opened_at, span * 0.75, tz_name) if span > dt.timedelta() else due_at


def due_times(
    opened_at: dt.datetime,
    *,
    category: str,
    severity: str,
    tier: str,
    calendar: BusinessCalendar,
    tz_name: str | None = None,
    paused: dt.timedelta = dt.timedelta(),
) -> Dues:
    """Both due times of a ticket opened at `opened_at`, with their reasons."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown ticket category {category!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown ticket severity {severity!r}")
    by_severity = Reason("severity", {"severity": severity})
    first_reasons = [by_severity]
    first_target = FIRST_RESPONSE[severity]
    factor = TIER_FIRST_RESPONSE.get(tier)
    if factor is not None:
        first_target = Target(hours=first_target.business_hours(calendar) * factor)
        first_reasons.append(Reason("tier", {"tier": tier, "factor": f"{factor:g}"}))
    first = first_target.after(opened_at, calendar, tz_name)
    resolution = RESOLUTION[severity].after(opened_at, calendar, tz_name)
    resolution_reasons = [by_severity]
    by_category = CATEGORIES[category].resolution.after(opened_at, calendar, tz_name)
    if by_category < resolution:
        resolution, resolution_reasons = by_category, [Reason("category", {"category": category})]
    if paused > dt.timedelta():
        waited = Reason("paused", {"minutes": str(int(paused.total_seconds() // 60))})
        first = calendar.add_business_time(first, paused, tz_name)
        resolution = calendar.add_business_time(resolution, paused, tz_name)
        first_reasons.append(waited)
        resolution_reasons.append(waited)
    return Dues(Due(first, tuple(first_reasons)), Due(resolution, tuple(resolution_reasons)))
