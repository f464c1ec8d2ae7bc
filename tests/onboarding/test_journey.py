"""Two weeks of a new reseller's journey, one sweep a morning (`sweep --at` day by day), as the partner
admin and the CAM saw it: the first nudge on Tuesday morning in the partner's own timezone, at most one a
day and none at the weekend, a slipped milestone at its CAM the day it slips, and a week of downtime
caught up with one nudge, not a burst."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.app import App
from tests.chat import ChatFactory, Clock
from tests.onboarding.conftest import CARLA, MONDAY, NORA, morning, new_reseller


async def _simulate(
    app: App, chats: ChatFactory, clock: Clock, days: int
) -> dict[dt.date, tuple[list[str], list[str]]]:
    seen: dict[dt.date, tuple[list[str], list[str]]] = {}
    before_nora, before_carla = 0, 0
    for n in range(days + 1):
        day = MONDAY + dt.timedelta(days=n)
        clock.now = morning(day, 10)
        await app.sweep(clock())
        await chats.deliver()
        nora = [d.current.plain_text() for d in chats.transport.to(NORA)][before_nora:]
        carla = [d.current.plain_text() for d in chats.transport.to(CARLA)][before_carla:]
        before_nora += len(nora)
        before_carla += len(carla)
        seen[day] = (nora, [line for text in carla for line in text.split("\n") if "Nordwind" in line])
    return seen


async def test_two_weeks_of_a_new_reseller(app: App, chats: ChatFactory, clock: Clock, tmp_path: Path) -> None:
    await new_reseller(app, chats, clock, tmp_path, NORA, CARLA)
    seen = await _simulate(app, chats, clock, 14)
    for day, (nora, carla) in seen.items():
        print(
            day.strftime("%a %d %b"),
            "| Nora:",
            [m.split("\n")[0] for m in nora],
            "| Carla:",
            [m.split("\n")[0] for m in carla],
        )

    monday, tuesday = seen[MONDAY], seen[MONDAY + dt.timedelta(days=1)]
    assert monday[0] == []  # imported on Monday: nothing the same day
    assert len(tuesday[0]) == 1 and "Portal access confirmed, profile complete" in tuesday[0][0]
    for day, (nora, _carla) in seen.items():
        assert len(nora) <= 1, (day, nora)  # at most one nudge a day
        if day.weekday() >= 5:
            assert nora == [], (day, nora)  # never at the weekend
    slipped = {day: carla for day, (_nora, carla) in seen.items() if carla}
    profile_day = MONDAY + dt.timedelta(days=5)  # profile_complete not done at day 5: the CAM hears that day
    assert any("Portal access confirmed" in text and "2 days late" in text for text in slipped[profile_day])
    welcome_day = MONDAY + dt.timedelta(days=7)
    assert any("Welcome call completed" in text for text in slipped[welcome_day])
    orientation_day = MONDAY + dt.timedelta(days=14)  # below 50 % at day 14
    assert any("Orientation modules completed: less than half done" in text for text in slipped[orientation_day])
    assert set(slipped) == {profile_day, welcome_day, orientation_day}  # nothing else about Nordwind


async def test_the_nudge_buttons_record_done_and_snooze(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path)
    nora = await chats.linked(NORA)
    clock.now = morning(MONDAY + dt.timedelta(days=1), 10)
    await app.sweep(clock())
    await chats.deliver()
    nudge = chats.transport.to(NORA)[-1].current
    assert [b.action for b in nudge.buttons] == ["nudge.done", "nudge.snooze"]
    asked = await nora.press("nudge.done", "profile_complete")
    assert "Is “Portal access confirmed, profile complete” done?" in asked.text
    done = await nora.press("nudge.confirm", "profile_complete")
    assert "recorded as done" in done.text
    checklist = await nora.command("onboarding")
    assert "✓ Portal access confirmed, profile complete — done" in checklist.text
    assert "I will ask again" in (await nora.press("nudge.snooze", "welcome_call")).text


async def test_a_week_of_downtime_catches_up_with_one_nudge_and_folded_alerts(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path, NORA, CARLA)
    back = MONDAY + dt.timedelta(days=9)  # the scheduler was off from Monday to Wednesday of the next week
    clock.now = morning(back, 10)
    await app.sweep(clock())
    await chats.deliver()
    assert len(chats.transport.to(NORA)) == 1  # one nudge, not one per missed day
    alerts = [d.current for d in chats.transport.to(CARLA)]
    nordwind = [line for line in alerts[0].items if "Nordwind" in line]
    assert len(alerts) == 1 and len(nordwind) == 2  # profile (day 5) and welcome call (day 7), in one message
    await app.sweep(clock())
    await chats.deliver()
    assert len(chats.transport.to(NORA)) == 1 and len(chats.transport.to(CARLA)) == 1  # the same instant twice


async def test_a_reimport_with_a_new_join_date_starts_the_journey_again(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from domain.onboarding.models import Journey
    from tests.onboarding.conftest import import_new_partner

    await new_reseller(app, chats, clock, tmp_path, NORA)
    clock.now = morning(MONDAY + dt.timedelta(days=2), 10)
    await app.sweep(clock())
    later = MONDAY + dt.timedelta(days=14)  # the contract was signed two weeks later after all
    await import_new_partner(app, tmp_path, joined=later)
    clock.now = morning(MONDAY + dt.timedelta(days=3), 10)
    await app.sweep(clock())
    async with app.uow.reader() as uow:
        journey = (await uow.session.scalars(select(Journey))).one()
    assert journey.joined_on == later and journey.nudged == {}
    assert journey.check_at == morning(later + dt.timedelta(days=1))  # its first morning, in Berlin
