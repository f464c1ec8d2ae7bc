"""Issue 11, item 2 (first half): every lead window counts only the partner's business days.

DOMAIN.md "Leads": the offer, accept and follow-up windows are 24/48/72 h in which the weekends and
holidays of the partner's calendar do not count. Time is driven by the injected clock and the real
sweeps, as the scheduler and `partnerbot sweep --at` run them. The demo week: Wednesday 25 Nov 2026;
Friday 27, Saturday 28, Sunday 29, Monday 30 Nov, Tuesday 1 Dec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import update

from bot.app import App
from domain.models import Partner, Person
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.leads.helpers import import_leads, lead, lead_row

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest_asyncio.fixture
async def program(app: App, clock: Clock) -> ChatFactory:
    chats = ChatFactory(app, clock)
    await chats.seed_program()
    async with app.uow() as uow:
        await uow.session.execute(update(Person).values(language="en"))
        await uow.session.execute(update(Partner).values(language="en"))
        await uow.commit()
    return chats


async def _sweep(app: App, clock: Clock, at: dt.datetime) -> dict[str, int]:
    clock.now = at
    return await app.sweep(at)


async def test_item2_friday_evening_offer_is_still_open_on_monday_morning(
    app: App, program: ChatFactory, clock: Clock
) -> None:
    ana = await program.linked("ana@acme.example")
    await program.linked("ben@globex.example")
    clock.now = utc(2026, 11, 27, 17, 0)  # Friday 18:00 in Berlin (Acme), 17:00 in London (Globex)
    await import_leads(app, [lead_row("W-1")])
    row = await lead(app, "W-1")
    assert row.status == "offered" and row.offer_expires_at is not None
    deadline = row.offer_expires_at.astimezone(BERLIN)
    assert deadline.weekday() < 5, "the window must not end on a weekend"
    # 6 h of Friday, then 18 h of Monday: Monday 18:00 Berlin (17:00 London, 17:00 UTC).
    assert deadline == dt.datetime(2026, 11, 30, 18, 0, tzinfo=BERLIN)
    await program.deliver()
    [offer] = program.transport.to(ana.chat.chat_id)
    shown = offer.message.plain_text()
    assert "Open until Mon, Nov 30 6:00\u202fPM +0100" in shown, "the offer shows the real deadline, with its zone"
    assert "open until Mon, Nov 30 6:00\u202fPM +0100" in (await ana.send("/leads")).text

    for instant in (utc(2026, 11, 28, 17, 0), utc(2026, 11, 29, 23, 0), utc(2026, 11, 30, 7, 0)):
        counts = await _sweep(app, clock, instant)
        assert counts["leads_offer_expired"] == 0, f"expired at {instant}"
    assert (await lead(app, "W-1")).status == "offered", "Monday morning: the offer is still open"
    assert (await _sweep(app, clock, utc(2026, 11, 30, 16, 59)))["leads_offer_expired"] == 0
    assert (await _sweep(app, clock, utc(2026, 11, 30, 17, 0)))["leads_offer_expired"] == 1
    assert (await lead(app, "W-1")).mode == "round_robin", "after 24 business hours it falls back"


async def test_item2_friday_evening_offer_can_be_claimed_after_the_weekend(
    app: App, program: ChatFactory, clock: Clock
) -> None:
    ana = await program.linked("ana@acme.example")
    clock.now = utc(2026, 11, 27, 19, 30)  # Friday 20:30 Berlin
    await import_leads(app, [lead_row("W-2", priority="warm")])
    await _sweep(app, clock, utc(2026, 11, 30, 7, 30))  # Monday 08:30 Berlin
    answer = await ana.press("lead.claim", "W-2")
    assert "You got it" in answer.text
    # The follow-up clock starts Monday 08:30 Berlin: 48 business hours end Wednesday 08:30.
    held = await lead(app, "W-2")
    assert held.followup_due_at == dt.datetime(2026, 12, 2, 8, 30, tzinfo=BERLIN)
    card = (await ana.send("/leads W-2")).text
    assert "left to follow up, until Wed, Dec 2 8:30\u202fAM +0100" in card


@pytest_asyncio.fixture
async def holiday_app(database_url: str, clock: Clock, tmp_path: Path) -> AsyncIterator[App]:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("# Christmas\n2026-12-24\n2026-12-25\n", encoding="utf-8")
    application = make_app(database_url, clock, holidays=holidays)
    yield application
    await application.close()


async def test_item2_direct_accept_window_skips_holidays_and_the_weekend(holiday_app: App, clock: Clock) -> None:
    app = holiday_app
    chats = ChatFactory(app, clock)
    await chats.seed_program()
    ana = await chats.linked("ana@acme.example")
    clock.now = utc(2026, 12, 23, 17, 0)  # Wednesday 18:00 Berlin; Thursday and Friday are holidays
    await import_leads(app, [lead_row("H-1", assignment="direct", partner_id="P-ACME")])
    row = await lead(app, "H-1")
    assert row.status == "assigned"
    assert row.acceptance_due_at == dt.datetime(2026, 12, 28, 18, 0, tzinfo=BERLIN)  # 6 h Wed + 18 h Mon
    for instant in (utc(2026, 12, 24, 17, 0), utc(2026, 12, 25, 17, 0), utc(2026, 12, 28, 8, 0)):
        counts = await _sweep(app, clock, instant)
        assert counts["leads_acceptance_expired"] == 0, f"expired at {instant}"
    assert "is yours" in (await ana.press("lead.accept", "H-1")).text, "accepted on Monday after the holidays"
    assert (await lead(app, "H-1")).status == "accepted"


async def test_item2_direct_accept_expires_after_24_business_hours_not_during_holidays(
    holiday_app: App, clock: Clock
) -> None:
    app = holiday_app
    chats = ChatFactory(app, clock)
    await chats.seed_program()
    await chats.linked("ana@acme.example")
    clock.now = utc(2026, 12, 23, 17, 0)
    await import_leads(app, [lead_row("H-2", assignment="direct", partner_id="P-ACME")])
    assert (await _sweep(app, clock, utc(2026, 12, 28, 16, 59)))["leads_acceptance_expired"] == 0
    assert (await _sweep(app, clock, utc(2026, 12, 28, 17, 0)))["leads_acceptance_expired"] == 1


async def test_item2_partner_where_it_is_already_saturday(app: App, program: ChatFactory, clock: Clock) -> None:
    await program.linked("kenji@kaiju.example")
    # Friday 16:00 UTC is Saturday 01:00 in Tokyo: Kaiju's clock only starts at Monday 00:00 Tokyo.
    clock.now = utc(2026, 11, 27, 16, 0)
    await import_leads(app, [lead_row("T-1", region="apac")])
    row = await lead(app, "T-1")
    assert row.status == "offered" and row.offer_expires_at is not None
    deadline = row.offer_expires_at.astimezone(TOKYO)
    assert deadline == dt.datetime(2026, 12, 1, 0, 0, tzinfo=TOKYO), "24 h of Monday in Tokyo"
    for instant in (utc(2026, 11, 28, 16, 0), utc(2026, 11, 30, 14, 59)):
        assert (await _sweep(app, clock, instant))["leads_offer_expired"] == 0
    # Counted in UTC (the program's calendar) it would run until Monday 16:00 UTC; Tokyo's ends earlier.
    assert (await _sweep(app, clock, utc(2026, 11, 30, 15, 0)))["leads_offer_expired"] == 1


@pytest.mark.parametrize(
    ("priority", "claimed_at", "reminder_at", "reclaim_at"),
    [
        # warm, 48 h: claimed Friday 18:00 Berlin. Reminder after 24 business hours (6 h Friday + 18 h
        # Monday) on Monday 18:00; reclaim after 48 (6 + 24 + 18) on Tuesday 18:00 Berlin.
        ("warm", utc(2026, 11, 27, 17, 0), utc(2026, 11, 30, 17, 0), utc(2026, 12, 1, 17, 0)),
        # cold, 72 h: claimed Thursday 12:00 Berlin. Half time (36 h = 12 h Thursday + 24 h Friday) is used
        # up at Friday midnight, so the reminder is due when Monday starts in Berlin (Sunday 23:00 UTC);
        # reclaim after 12 + 24 + 24 + 12 h on Tuesday 12:00 Berlin.
        ("cold", utc(2026, 11, 26, 11, 0), utc(2026, 11, 29, 23, 0), utc(2026, 12, 1, 11, 0)),
    ],
)
async def test_item2_followup_sla_is_not_spent_over_the_weekend(
    app: App,
    program: ChatFactory,
    clock: Clock,
    priority: str,
    claimed_at: dt.datetime,
    reminder_at: dt.datetime,
    reclaim_at: dt.datetime,
) -> None:
    ana = await program.linked("ana@acme.example")
    clock.now = claimed_at
    await import_leads(app, [lead_row("S-1", priority=priority)])
    assert "You got it" in (await ana.press("lead.claim", "S-1")).text
    await program.deliver()
    sunday = await _sweep(app, clock, utc(2026, 11, 29, 12, 0))
    assert sunday["leads_followup_reminders"] == 0 and sunday["leads_followup_reclaimed"] == 0
    minute = dt.timedelta(minutes=1)
    assert (await _sweep(app, clock, reminder_at - minute))["leads_followup_reminders"] == 0
    assert (await _sweep(app, clock, reminder_at))["leads_followup_reminders"] == 1
    assert (await _sweep(app, clock, reclaim_at - minute))["leads_followup_reclaimed"] == 0
    assert (await lead(app, "S-1")).holder_person_id is not None, "still Ana's lead until the SLA runs out"
    assert (await _sweep(app, clock, reclaim_at))["leads_followup_reclaimed"] == 1
    assert (await lead(app, "S-1")).status != "claimed"
    await program.deliver()
    texts = [m.current.plain_text() for m in program.transport.to(ana.chat.chat_id)]
    assert any("was reclaimed" in t and "weekends and holidays not counted" in t for t in texts)


def test_item2_one_calendar_function_counts_whole_business_days() -> None:
    from domain.calendar import BusinessCalendar, add_business_hours

    cal = BusinessCalendar(holidays=frozenset({dt.date(2026, 12, 25)}))
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)
    assert add_business_hours(friday_evening, 24, cal, "Europe/Berlin") == dt.datetime(
        2026, 11, 30, 18, 0, tzinfo=BERLIN
    )
    # Not business hours (09:00-17:00): a whole business day counts 24 hours.
    assert add_business_hours(utc(2026, 11, 25, 10, 0), 24, cal) == utc(2026, 11, 26, 10, 0)
    # Started on a Saturday: the clock starts on Monday.
    assert add_business_hours(utc(2026, 11, 28, 10, 0), 1, cal) == utc(2026, 11, 30, 1, 0)
    # Thursday 24 Dec 12:00 + 24 h: 12 h Thursday, Friday is a holiday, 12 h on Monday.
    assert add_business_hours(utc(2026, 12, 24, 12, 0), 24, cal) == utc(2026, 12, 28, 12, 0)
    # Across the DST end (Sunday 25 Oct 2026 in Berlin), elapsed hours stay elapsed hours.
    assert add_business_hours(dt.datetime(2026, 10, 23, 18, 0, tzinfo=BERLIN), 24, cal, "Europe/Berlin") == (
        dt.datetime(2026, 10, 26, 18, 0, tzinfo=BERLIN)
    )
    with pytest.raises(ValueError):
        add_business_hours(utc(9999, 12, 31, 12, 0), 48, cal)
