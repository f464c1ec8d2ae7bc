"""The business calendar: one object that SLA clocks, nudges and quiet hours all ask about time.

Everything is stored in UTC; the calendar converts to the relevant timezone (the person's, else the
program's) to decide whether an instant is inside business hours, a holiday, or quiet hours.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS_RE = re.compile(
    r"^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s*$"
)
# 20:00-08:00, and what people type for it: 22-7, 22:30-7, 9:00 – 17:00.
_QUIET_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class BusinessHours:
    weekdays: frozenset[int]
    start_minute: int
    end_minute: int  # exclusive; 1440 means midnight at the end of the day


def _minutes(hours: str, minutes: str, *, allow_24: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not allow_24)):
        raise ValueError(f"invalid time {hours}:{minutes}")
    return h * 60 + m


def parse_business_hours(text: str) -> BusinessHours:
    """Parse `Mon-Fri 09:00-17:00`; `Mon-Sun 00:00-24:00` means always."""
    match = _HOURS_RE.match(text)
    if not match:
        raise ValueError(f"expected a form like 'Mon-Fri 09:00-17:00', got {text!r}")
    first, last = DAYS.index(match[1]), DAYS.index(match[2])
    days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
    start = _minutes(match[3], match[4], allow_24=False)
    end = _minutes(match[5], match[6], allow_24=True)
    if end <= start:
        raise ValueError(f"business hours must end after they start, got {text!r}")
    return BusinessHours(frozenset(days), start, end)


def parse_quiet_hours(text: str | None) -> tuple[int, int] | None:
    """Parse `20:00-08:00` (may wrap midnight) into minutes of the day; `off` means none."""
    if text is None or text.strip().lower() in ("off", "none", ""):
        return None
    match = _QUIET_RE.match(text)
    if not match:
        raise ValueError(f"expected a form like '20:00-08:00' or 'off', got {text!r}")
    start = _minutes(match[1], match[2] or "00", allow_24=False)
    end = _minutes(match[3], match[4] or "00", allow_24=True) % 1440
    if start == end:
        raise ValueError(f"quiet hours must not start and end at the same time, got {text!r}")
    return start, end


def canonical_quiet_hours(text: str) -> str:
    """Quiet hours as stored and shown, `22:00-07:00` (or `off`), from any form `parse_quiet_hours` takes."""
    parsed = parse_quiet_hours(text)
    if parsed is None:
        return "off"
    start, end = parsed
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def suggest_timezone(text: str) -> str | None:
    """The IANA zone someone probably meant by a city ("berlin", "sao paulo", "Tokio"), or None."""
    from zoneinfo import available_timezones

    from rapidfuzz import process

    wanted = text.strip().lower().replace(" ", "_")
    if not wanted or len(wanted) > 64:
        return None
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    cities = {z.rsplit("/", 1)[1].lower(): z for z in zones}
    if wanted in cities:
        return cities[wanted]
    match = process.extractOne(wanted, list(cities), score_cutoff=80)
    return cities[match[0]] if match else None


def load_holidays(path: Path | None) -> frozenset[dt.date]:
    """Read `YYYY-MM-DD` lines with `#` comments; a bad line is an error naming the line."""
    if path is None:
        return frozenset()
    days: set[dt.date] = set()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if not _DATE_RE.match(line):
                raise ValueError("expected YYYY-MM-DD")
            days.add(dt.date.fromisoformat(line))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not a YYYY-MM-DD date: {line!r} ({exc})") from None
    return frozenset(days)


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder, a name too long
        return False
    return True


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(default)


@dataclass(frozen=True)
class BusinessCalendar:
    hours: BusinessHours = field(default_factory=lambda: parse_business_hours("Mon-Fri 09:00-17:00"))
    holidays: frozenset[dt.date] = frozenset()
    timezone: str = "UTC"

    def tz(self, name: str | None = None) -> ZoneInfo:
        return zone(name, self.timezone)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.hours.weekdays and day not in self.holidays

    def _window(self, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        return (
            midnight + dt.timedelta(minutes=self.hours.start_minute),
            midnight + dt.timedelta(minutes=self.hours.end_minute),
        )

    def is_business_time(self, at: dt.datetime, tz_name: str | None = None) -> bool:
        local = at.astimezone(self.tz(tz_name))
        if not self.is_business_day(local.date()):
            return False
        start, end = self._window(local.date(), self.tz(tz_name))
        return start <= local < end

    def next_business_time(self, at: dt.datetime, tz_name: str | None = None) -> dt.datetime:
        """The first instant at or after `at` inside business hours (UTC)."""
        tz = self.tz(tz_name)
        local = at.astimezone(tz)
        for offset in range(0, 400):
            day = local.date() + dt.timedelta(days=offset)
            if not self.is_business_day(day):
                continue
            start, end = self._window(day, tz)
            if offset == 0 and local >= end:
                continue
            return max(start, local).astimezone(dt.UTC)
        raise ValueError("the business calendar has no business time within 400 days")

    def add_business_time(self, at: dt.datetime, duration: dt.timedelta, tz_name: str | None = None) -> dt.datetime:
        """Move forward by `duration` counted only inside business hours (SLA clocks)."""
        tz = self.tz(tz_name)
        remaining = duration
        cursor = self.next_business_time(at, tz_name).astimezone(tz)
        while True:
            _, end = self._window(cursor.date(), tz)
            available = end - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(dt.UTC)
            remaining -= available
            cursor = self.next_business_time(end, tz_name).astimezone(tz)

    def add_business_days(self, at: dt.datetime, days: int, tz_name: str | None = None) -> dt.datetime:
        """The same local time `days` business days later (end-of-window if that day is shorter)."""
        tz = self.tz(tz_name)
        local = self.next_business_time(at, tz_name).astimezone(tz)
        day = local.date()
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        candidate = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
        _, end = self._window(day, tz)
        return min(candidate, end).astimezone(dt.UTC)

    def in_quiet_hours(self, at: dt.datetime, quiet: tuple[int, int] | None, tz_name: str | None) -> bool:
        if quiet is None:
            return False
        local = at.astimezone(self.tz(tz_name))
        minute = local.hour * 60 + local.minute
        start, end = quiet
        return start <= minute < end if start < end else (minute >= start or minute < end)

    def next_delivery_time(
        self,
        at: dt.datetime,
        *,
        quiet: tuple[int, int] | None,
        tz_name: str | None,
        business_days_only: bool = False,
    ) -> dt.datetime:
        """The first instant at or after `at` a push may reach this person (UTC).

        Every step moves forward in real time: instants are compared in UTC, never by the local wall clock,
        so the hour a DST fall-back repeats cannot send the answer back before `at`.
        """
        tz = self.tz(tz_name)
        cursor = at.astimezone(tz)
        for _ in range(800):
            moved = False
            if business_days_only and not self.is_business_day(cursor.date()):
                cursor = _next_wall_time(cursor, cursor.date() + dt.timedelta(days=1), 0, tz)
                moved = True
            if self.in_quiet_hours(cursor, quiet, tz_name):
                assert quiet is not None
                cursor = _next_wall_time(cursor, cursor.date(), quiet[1], tz)
                moved = True
            if not moved:
                return cursor.astimezone(dt.UTC)
        return cursor.astimezone(dt.UTC)


def _next_wall_time(after: dt.datetime, day: dt.date, minute: int, tz: ZoneInfo) -> dt.datetime:
    """The first instant later than `after` at which the clock in `tz` shows `minute` of `day` or a later day.

    Both readings of a wall time (fold 0 and 1) are candidates: a time a fall-back repeats has two, one a
    spring-forward gap skips has one on each side of the gap (the caller moves on past the one still inside
    quiet hours). Compared in UTC and normalised, so the result's fields are the real local time.
    """
    now = after.astimezone(dt.UTC)
    candidates = []
    for offset in range(3):
        wall = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time()) + dt.timedelta(minutes=minute)
        for fold in (0, 1):
            instant = wall.replace(tzinfo=tz, fold=fold).astimezone(dt.UTC)
            if instant > now:
                candidates.append(instant)
    return (min(candidates) if candidates else now + dt.timedelta(days=1)).astimezone(tz)


def add_business_hours(
    start: dt.datetime, hours: float | dt.timedelta, calendar: BusinessCalendar, tz_name: str | None = None
) -> dt.datetime:
    """The end of a lead window: `hours` of elapsed time counted only on business days (UTC).

    Every lead deadline (shark-tank offer window, round-robin/direct accept window, follow-up SLA and
    its half-time reminder) is computed here and nowhere else. DOMAIN.md "Leads": the windows are
    24/48/72 h "in which the partner's weekends and holidays do not count". So the clock runs for the
    whole of every business day (00:00-24:00 in the partner's timezone, `tz_name`, else the program's),
    not only inside business hours (09:00-17:00), and stands still on the weekend days (the days
    PARTNERBOT_BUSINESS_HOURS leaves out) and on PARTNERBOT_HOLIDAYS. A lead offered Friday 18:00 with
    24 h has 6 h on Friday and the other 18 h on Monday: it expires Monday 18:00. Elapsed time is real
    time, so a business day with a DST change counts 23 or 25 hours. A window that would end exactly
    at the end of a business day runs on to the start of the next business day, and one started on a
    weekend or holiday starts at the next business day's midnight: a deadline never falls on a day
    that does not count. `Mon-Sun 00:00-24:00` (always) makes these plain hours.
    """
    remaining = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=hours)
    if remaining < dt.timedelta():
        raise ValueError("a lead window cannot be negative")
    tz = calendar.tz(tz_name)
    cursor = start.astimezone(dt.UTC)
    idle = 0
    try:
        while idle < 400:
            day = cursor.astimezone(tz).date()
            midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
            if midnight <= cursor:  # a zone whose midnight repeats: step past it
                midnight = cursor + dt.timedelta(hours=1)
            if calendar.is_business_day(day):
                idle = 0
                if remaining < midnight - cursor:
                    return cursor + remaining
                remaining -= midnight - cursor
            else:
                idle += 1
            cursor = midnight
    except OverflowError:
        raise ValueError(f"{start.isoformat()} plus {remaining} is beyond the calendar") from None
    raise ValueError("the business calendar has no business day within 400 days")
