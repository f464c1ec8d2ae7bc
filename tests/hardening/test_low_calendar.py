"""Issue 11, "Low" (calendar): a holidays file with a bad date stops with one line naming the setting and the
line; quiet hours across a DST fall-back never answer with a time before `at`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from domain.calendar import BusinessCalendar, parse_business_hours, parse_quiet_hours


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"]


@pytest.mark.parametrize(
    ("content", "line", "shown"),
    [
        (b"# public holidays\n2026-12-25\n2026-02-31\n", 3, "2026-02-31"),  # the example
        (b"2026-12-24\n\n2026-12-25 Christmas\n", 3, "Christmas"),  # a name without a '#'
        (b"2026-13-01\n", 1, "2026-13-01"),
        (b"20261225\n", 1, "20261225"),  # a date, but not the documented YYYY-MM-DD
    ],
)
def test_low_a_holidays_file_with_a_bad_date_exits_2_naming_the_setting_and_the_line(
    db: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, line: int, shown: str
) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_bytes(content)
    monkeypatch.setenv("PARTNERBOT_HOLIDAYS", str(holidays))
    for command in (["db", "upgrade"], ["sweep", "--dry-run"]):
        code, out, err = run(*command, *db)
        assert code == 2
        assert err.strip().count("\n") == 0 and "Traceback" not in out + err
        assert "PARTNERBOT_HOLIDAYS" in err and f"holidays.txt:{line}:" in err and shown in err
    assert not (tmp_path / "cli.db").exists()  # refused before anything was touched


def test_low_an_unreadable_holidays_file_or_a_folder_as_timezone_is_one_line_exit_2(
    db: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_bytes(b"2026-12-25\n\xff\xfe2026-12-26\n")
    monkeypatch.setenv("PARTNERBOT_HOLIDAYS", str(holidays))
    code, _, err = run("db", "upgrade", *db)
    assert code == 2 and err.strip().count("\n") == 0 and "PARTNERBOT_HOLIDAYS" in err and "UTF-8" in err
    monkeypatch.delenv("PARTNERBOT_HOLIDAYS")
    monkeypatch.setenv("PARTNERBOT_TIMEZONE", "Europe")  # a folder of the tz database, not a zone
    code, _, err = run("db", "upgrade", *db)
    assert code == 2 and err.strip().count("\n") == 0 and "PARTNERBOT_TIMEZONE" in err


def _minutes(start: dt.datetime, end: dt.datetime, step: int = 5) -> list[dt.datetime]:
    out, at = [], start
    while at < end:
        out.append(at)
        at += dt.timedelta(minutes=step)
    return out


@pytest.mark.parametrize(
    ("tz", "quiet", "repeated_hour_utc"),
    [
        # Berlin falls back on the last Sunday of October: 02:00-03:00 local happens twice (00:00-02:00 UTC).
        ("Europe/Berlin", "20:00-02:45", dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)),
        ("Europe/Berlin", "02:15-02:40", dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)),
        # New York on the first Sunday of November: 01:00-02:00 local twice (05:00-07:00 UTC).
        ("America/New_York", "22:00-01:30", dt.datetime(2026, 11, 1, 5, 0, tzinfo=dt.UTC)),
        ("America/New_York", "01:10-01:50", dt.datetime(2026, 11, 1, 5, 0, tzinfo=dt.UTC)),
    ],
)
@pytest.mark.parametrize("business_days_only", [False, True])
def test_low_quiet_hours_across_a_dst_fall_back_never_answer_before_at(
    tz: str, quiet: str, repeated_hour_utc: dt.datetime, business_days_only: bool
) -> None:
    # Every day a business day, so the fall-back Sunday itself is judged by the quiet hours alone.
    calendar = BusinessCalendar(timezone=tz, hours=parse_business_hours("Mon-Sun 00:00-24:00"))
    window = parse_quiet_hours(quiet)
    wrong = []
    for at in _minutes(repeated_hour_utc - dt.timedelta(hours=1), repeated_hour_utc + dt.timedelta(hours=3)):
        answer = calendar.next_delivery_time(at, quiet=window, tz_name=tz, business_days_only=business_days_only)
        if answer < at or calendar.in_quiet_hours(answer, window, tz):
            wrong.append((at.isoformat(), answer.isoformat()))
    assert wrong == []
