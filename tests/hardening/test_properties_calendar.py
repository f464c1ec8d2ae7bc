"""Property tests (issue 11, "Beyond the list") for the parsers and the calendar arithmetic that take
outside input: dates, durations, quiet hours, timezone names, business time."""

from __future__ import annotations

import calendar as monthcal
import datetime as dt
import functools
import zoneinfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.cli import UsageError
from bot.cli_operations import _parse_at, _parse_since
from domain import importing
from domain.calendar import (
    BusinessCalendar,
    is_valid_timezone,
    parse_business_hours,
    parse_quiet_hours,
    zone,
)
from domain.errors import InvalidInput
from domain.people import checked_timezone
from handlers.forms import parse_value
from handlers.model import FormField

PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DATE_FIELD = FormField("due", "Due date", kind="date")
ZONES = sorted(zoneinfo.available_timezones())
# A fixed sample of the tz database, with the zones whose rules are the oddest (half hours, a skipped day,
# DST at midnight, southern hemisphere, 45-minute offsets) always in it.
SAMPLE = sorted(
    {
        *ZONES[:: max(1, len(ZONES) // 40)],
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "America/Santiago",
        "Asia/Kathmandu",
        "Pacific/Chatham",
        "America/Havana",
        "Asia/Tehran",
        "UTC",
    }
)
instants = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)
minutes_of_day = st.integers(0, 1439)


@functools.cache
def transitions(tz: str) -> tuple[dt.datetime, ...]:
    """The instants (UTC) at which the zone's offset changed in 2025-2027; empty for a fixed offset."""
    zone_info = zoneinfo.ZoneInfo(tz)
    found, at = [], dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(hours=1)
    offset = at.astimezone(zone_info).utcoffset()
    while at.year < 2028:
        nxt = at + step
        if nxt.astimezone(zone_info).utcoffset() != offset:
            found.append(nxt)
            offset = nxt.astimezone(zone_info).utcoffset()
        at = nxt
    return tuple(found)


@st.composite
def near_a_transition(draw: st.DrawFn) -> tuple[str, dt.datetime, int]:
    """A zone, an instant within three hours of one of its DST changes, and a minute of the local day
    near that change (quiet hours that end inside a repeated or skipped hour are the hard case)."""
    tz = draw(st.sampled_from([z for z in SAMPLE if transitions(z)]))
    change = draw(st.sampled_from(transitions(tz)))
    at = change + dt.timedelta(minutes=draw(st.integers(-180, 180)))
    wall = (change + dt.timedelta(minutes=draw(st.integers(-90, 90)))).astimezone(zoneinfo.ZoneInfo(tz))
    return tz, at, wall.hour * 60 + wall.minute


# Dates: the form field, the import cell, the CLI's --at.


@PROFILE
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_properties_a_valid_date_round_trips_through_the_form_and_the_import(day: dt.date) -> None:
    assert parse_value(DATE_FIELD, day.isoformat()) == day.isoformat()
    assert parse_value(DATE_FIELD, f"  {day.isoformat()}\t") == day.isoformat()
    assert importing.date(day.isoformat()) == day
    assert importing.date(f"{day.isoformat()}T10:00:00") == day


@PROFILE
@given(st.integers(1900, 2200), st.integers(1, 12), st.integers(29, 40))
def test_properties_a_day_past_the_end_of_its_month_is_refused_with_a_clear_message(
    year: int, month: int, day: int
) -> None:
    assume(day > monthcal.monthrange(year, month)[1])
    text = f"{year:04d}-{month:02d}-{day:02d}"
    with pytest.raises(InvalidInput) as refused:
        parse_value(DATE_FIELD, text)
    assert "is not a date" in refused.value.message and refused.value.params == {"value": text}
    with pytest.raises(ValueError, match="is not a date"):
        importing.date(text)
    with pytest.raises(UsageError, match=r"--at: .* is not an ISO 8601 date-time"):
        _parse_at(f"{text}T10:00:00", "UTC")


@PROFILE
@given(st.text(max_size=40))
def test_properties_any_text_as_a_date_is_a_date_or_a_clear_refusal(text: str) -> None:
    try:
        value = parse_value(DATE_FIELD, text)
    except InvalidInput as exc:
        assert exc.message.startswith(("%(field)s is required", "%(value)s is not a date"))
    else:
        assert value is None or dt.date.fromisoformat(value).isoformat() == value
    try:
        importing.date(text)
    except ValueError as exc:
        assert "is not a date" in str(exc)


@PROFILE
@given(st.text(max_size=40), st.sampled_from(SAMPLE))
def test_properties_any_text_as_sweep_at_is_an_instant_in_utc_or_a_usage_error(text: str, tz: str) -> None:
    try:
        value = _parse_at(text, tz)
    except UsageError as exc:
        assert str(exc).startswith("--at: ") and "\n" not in str(exc)
    else:
        assert value.utcoffset() == dt.timedelta(0)


@PROFILE
@given(instants, st.sampled_from(SAMPLE))
def test_properties_an_instant_written_with_its_offset_round_trips_through_sweep_at(at: dt.datetime, tz: str) -> None:
    local = at.astimezone(zoneinfo.ZoneInfo(tz))
    assert _parse_at(local.isoformat(), "UTC") == at


# Durations: --since.


@PROFILE
@given(st.integers(0, 10**6), st.sampled_from("hdw"))
def test_properties_a_period_is_parsed_or_refused_never_overflows(count: int, unit: str) -> None:
    text = f"{count}{unit}"
    expected = dt.timedelta(hours=count * {"h": 1, "d": 24, "w": 168}[unit])
    try:
        period = _parse_since(text)
    except UsageError as exc:
        assert str(exc).startswith("--since: ") and expected > dt.timedelta(days=36525)
    else:
        assert period == expected
        assert dt.datetime.now(dt.UTC) - period <= dt.datetime.now(dt.UTC)  # usable as a report start


@PROFILE
@given(st.one_of(st.text(max_size=30), st.from_regex(r"[0-9]{5,6000}[hdw]", fullmatch=True)))
def test_properties_any_text_as_a_period_is_a_period_or_one_usage_line(text: str) -> None:
    try:
        period = _parse_since(text)
    except UsageError as exc:
        assert str(exc).startswith("--since: ") and "\n" not in str(exc)
    else:
        assert dt.timedelta(0) <= period <= dt.timedelta(days=36525)


# Quiet hours.


@PROFILE
@given(st.text(max_size=30))
def test_properties_any_text_as_quiet_hours_is_a_window_or_a_value_error(text: str) -> None:
    try:
        window = parse_quiet_hours(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert window is None or (0 <= window[0] < 1440 and 0 <= window[1] < 1440 and window[0] != window[1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=instants,
    tz=st.sampled_from(SAMPLE),
    start=minutes_of_day,
    end=minutes_of_day,
    business_days_only=st.booleans(),
)
def test_properties_next_delivery_time_is_never_before_at_and_outside_quiet_hours(
    at: dt.datetime, tz: str, start: int, end: int, business_days_only: bool
) -> None:
    assume(start != end)
    calendar = BusinessCalendar(timezone="UTC")
    quiet = (start, end)
    answer = calendar.next_delivery_time(at, quiet=quiet, tz_name=tz, business_days_only=business_days_only)
    assert answer >= at
    assert not calendar.in_quiet_hours(answer, quiet, tz)
    if business_days_only:
        assert calendar.is_business_day(answer.astimezone(zoneinfo.ZoneInfo(tz)).date())
    assert answer - at <= dt.timedelta(days=4)  # a weekend and one night at most


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=near_a_transition(), start=minutes_of_day, business_days_only=st.booleans())
def test_properties_quiet_hours_ending_across_a_dst_change_never_answer_before_at(
    case: tuple[str, dt.datetime, int], start: int, business_days_only: bool
) -> None:
    tz, at, end = case
    assume(start != end)
    calendar = BusinessCalendar(hours=parse_business_hours("Mon-Sun 00:00-24:00"), timezone="UTC")
    quiet = (start, end)
    answer = calendar.next_delivery_time(at, quiet=quiet, tz_name=tz, business_days_only=business_days_only)
    assert at <= answer <= at + dt.timedelta(days=2)
    assert not calendar.in_quiet_hours(answer, quiet, tz)


# Timezone names.


@PROFILE
@given(st.one_of(st.text(max_size=300), st.sampled_from(["Europe", "America/", "a" * 300, "../etc/passwd"])))
def test_properties_any_text_as_a_timezone_is_a_clear_answer_never_a_crash(name: str) -> None:
    valid = is_valid_timezone(name)
    assert zone(name).key == (name if valid else "UTC")
    if valid:
        assert checked_timezone(name) == name and importing.timezone(name) == name
    else:
        with pytest.raises(InvalidInput):
            checked_timezone(name)
        with pytest.raises(ValueError, match="is not an IANA timezone"):
            importing.timezone(name)


@PROFILE
@given(st.sampled_from(ZONES))
def test_properties_every_zone_of_the_database_is_valid(name: str) -> None:
    assert is_valid_timezone(name) and zone(name).key == name


# Business time: monotonic.

HOURS = st.sampled_from(["Mon-Fri 09:00-17:00", "Mon-Sun 00:00-24:00", "Sun-Thu 08:00-16:00", "Mon-Sat 01:30-03:30"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=instants,
    tz=st.sampled_from(SAMPLE),
    hours=HOURS,
    first=st.integers(0, 60 * 24 * 5),
    extra=st.integers(0, 60 * 24 * 5),
)
def test_properties_more_business_time_never_gives_an_earlier_instant(
    at: dt.datetime, tz: str, hours: str, first: int, extra: int
) -> None:
    calendar = BusinessCalendar(hours=parse_business_hours(hours), timezone=tz)
    start = calendar.next_business_time(at)
    assert start >= at and calendar.is_business_time(start)
    shorter = calendar.add_business_time(at, dt.timedelta(minutes=first))
    longer = calendar.add_business_time(at, dt.timedelta(minutes=first + extra))
    assert at <= shorter <= longer


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(at=instants, tz=st.sampled_from(SAMPLE), hours=HOURS, days=st.integers(0, 10), extra=st.integers(0, 10))
def test_properties_more_business_days_never_give_an_earlier_instant(
    at: dt.datetime, tz: str, hours: str, days: int, extra: int
) -> None:
    calendar = BusinessCalendar(hours=parse_business_hours(hours), timezone=tz)
    shorter = calendar.add_business_days(at, days)
    longer = calendar.add_business_days(at, days + extra)
    assert at <= shorter <= longer
