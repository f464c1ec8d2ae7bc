"""The business calendar that SLA clocks, nudges and quiet hours share."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendar import BusinessCalendar, parse_business_hours, parse_quiet_hours

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_business_time_skips_nights_weekends_and_holidays() -> None:
    cal = BusinessCalendar(holidays=frozenset({dt.date(2026, 12, 25)}))
    # Thursday 24 Dec 16:00 + 2 business hours → 1 hour left that day, Friday 25th is a holiday,
    # the weekend is skipped → Monday 28 Dec 10:00.
    assert cal.add_business_time(at(2026, 12, 24, 16, 0), dt.timedelta(hours=2)) == at(2026, 12, 28, 10, 0)


def test_business_time_in_the_persons_timezone() -> None:
    cal = BusinessCalendar()
    # 07:00 UTC is 16:00 in Tokyo: one business hour left there today.
    due = cal.add_business_time(at(2026, 11, 25, 7, 0), dt.timedelta(hours=4), "Asia/Tokyo")
    assert due == at(2026, 11, 26, 3, 0)  # Thursday 12:00 Tokyo


def test_always_open_calendar() -> None:
    cal = BusinessCalendar(hours=parse_business_hours("Mon-Sun 00:00-24:00"))
    assert cal.add_business_time(at(2026, 11, 28, 23, 0), dt.timedelta(hours=3)) == at(2026, 11, 29, 2, 0)


def test_business_days_keep_the_local_time() -> None:
    cal = BusinessCalendar()
    assert cal.add_business_days(at(2026, 11, 27, 11, 0), 3) == at(2026, 12, 2, 11, 0)


def test_quiet_hours_wrap_midnight_in_the_recipients_timezone() -> None:
    cal = BusinessCalendar()
    quiet = parse_quiet_hours("20:00-08:00")
    assert cal.in_quiet_hours(at(2026, 11, 25, 22, 0), quiet, "Europe/Berlin")
    assert not cal.in_quiet_hours(at(2026, 11, 25, 22, 0), quiet, "America/New_York")
    assert cal.next_delivery_time(at(2026, 11, 25, 22, 0), quiet=quiet, tz_name="Europe/Berlin") == at(
        2026, 11, 26, 7, 0
    )


def test_nudges_wait_for_a_business_day() -> None:
    cal = BusinessCalendar()
    saturday_noon = at(2026, 11, 28, 12, 0)
    assert cal.next_delivery_time(
        saturday_noon, quiet=parse_quiet_hours("20:00-08:00"), tz_name="UTC", business_days_only=True
    ) == at(2026, 11, 30, 8, 0)


@pytest.mark.parametrize("text", ["Mon-Fri 9-17", "Fri-Mon 17:00-09:00", "Mon-Fri 09:00-25:00", "weekdays"])
def test_bad_business_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_business_hours(text)


@pytest.mark.parametrize("text", ["20:00-20:00", "8pm-8am", "24:30-01:00"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quiet_hours(text)


def test_quiet_hours_off() -> None:
    assert parse_quiet_hours("off") is None
