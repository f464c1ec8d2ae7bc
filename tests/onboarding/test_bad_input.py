"""Onboarding's bad input: a milestones file with unknown keys or partners, dates before the partner
joined or in the future, a percent of 140, duplicate rows; a track file naming a milestone that does not
exist; a partner whose timezone is not a real zone; a person whose quiet hours cover the business day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.config import SettingsError, load_settings
from bot.importer import import_file
from domain.models import OutboxMessage, Partner, Person
from domain.onboarding.models import MilestoneRecord
from domain.onboarding.tracks import TrackFileError, load_tracks
from tests.chat import ChatFactory, Clock
from tests.onboarding.conftest import CARLA, MONDAY, NORA, import_new_partner, morning, new_reseller


async def test_a_bad_milestones_file_names_each_row_and_imports_nothing(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    clock.now = morning(MONDAY + dt.timedelta(days=3))
    await chats.seed_program()
    await import_new_partner(app, tmp_path)
    path = tmp_path / "milestones.csv"
    path.write_text(
        "partner_id,milestone,status,percent,at\n"
        "P-NEW,sales_certification,completed,,2026-12-01\n"
        "P-NOPE,welcome_call,completed,,2026-12-01\n"
        "P-NEW,welcome_call,completed,,2026-11-01\n"
        "P-NEW,orientation,attempted,,2027-06-01\n"
        "P-NEW,orientation,attempted,140,2026-12-01\n"
        "P-NEW,orientation,attempted,40,2026-12-02\n",
        encoding="utf-8",
    )
    result, errors = await import_file(app, "milestones", path, skip_invalid=False)
    assert result is None
    found = {(e.row, e.column) for e in errors}
    assert {(2, "milestone"), (3, "partner_id"), (4, "at"), (5, "at"), (6, "percent"), (7, "milestone")} <= found
    assert "before the partner joined" in str(errors) and "in the future" in str(errors)
    async with app.uow.reader() as uow:
        assert (await uow.session.scalars(select(MilestoneRecord))).all() == []

    good = tmp_path / "good.csv"
    good.write_text(
        "partner_id,milestone,completed_on,detail,person_email,expires_on\n"
        "P-NEW,welcome_call,2026-12-01,call with Carla,,\n"
        "P-NEW,sales_cert,2026-12-02,passed 84 %,nora@nordwind.example,2028-12-02\n",
        encoding="utf-8",
    )
    result, errors = await import_file(app, "milestones", good, skip_invalid=False)
    assert result is not None and result.created == 2 and not errors
    nora = await chats.linked(NORA)
    checklist = (await nora.command("onboarding")).text
    assert (
        "✓ Welcome call completed — done Dec 1, 2026" in checklist and "✓ Foundational sales certification" in checklist
    )


@pytest.mark.parametrize(
    ("content", "suffix", "named"),
    [
        (
            "[tracks.reseller]\nmilestones = ['profile_complete', 'golf_day']\n",
            ".toml",
            "tracks.reseller.milestones[1]",
        ),
        ("tracks:\n  wholesaler:\n    milestones: [profile_complete]\n", ".yaml", "tracks.wholesaler"),
        ("tracks:\n  msp:\n    activation_days: [90, 60]\n", ".yaml", "tracks.msp.activation_days"),
        ("tracks:\n  msp:\n    milestone: [first_deal]\n", ".yml", "tracks.msp.milestone"),
        ("tracks = [", ".toml", "cannot be read"),
    ],
)
def test_a_bad_track_file_stops_start_up_with_one_line_naming_the_key(
    tmp_path: Path, content: str, suffix: str, named: str
) -> None:
    path = tmp_path / f"tracks{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrackFileError, match=None) as caught:
        load_tracks(path)
    assert named in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(SettingsError) as stopped:
        load_settings(database_url="sqlite+aiosqlite://", PARTNERBOT_ONBOARDING_TRACKS=str(path))
    assert str(stopped.value).startswith("PARTNERBOT_ONBOARDING_TRACKS: ") and named in str(stopped.value)


def test_a_track_file_overrides_a_type(tmp_path: Path) -> None:
    path = tmp_path / "tracks.yaml"
    path.write_text(
        "tracks:\n  referral:\n    milestones: [messenger_linked, first_deal]\n    activation_days: [14, 21]\n"
    )
    tracks = load_tracks(path)
    assert tracks["referral"].milestones == ("messenger_linked", "first_deal")
    assert tracks["referral"].activation_days == (14, 21) and tracks["reseller"].milestones[0] == "profile_complete"


async def test_a_partner_with_a_broken_timezone_uses_the_programs_and_the_cam_is_told(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path)
    async with app.uow() as uow:  # as an old database or a hand edit may hold it
        await uow.session.execute(update(Partner).where(Partner.external_id == "P-NEW").values(timezone="Mars/Olympus"))
        await uow.commit()
    await chats.linked(CARLA)
    await chats.linked(NORA)
    clock.now = morning(MONDAY + dt.timedelta(days=1), 10)
    await app.sweep(clock())
    await chats.deliver()
    said = "\n".join(d.current.plain_text() for d in chats.transport.to(CARLA))
    assert "Mars/Olympus is not a real zone; the program's timezone is used" in said
    assert len(chats.transport.to(NORA)) == 1  # and Nora is still nudged


async def test_quiet_hours_over_the_whole_business_day_move_the_nudge_to_the_next_business_morning_outside_them(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path, NORA)
    async with app.uow() as uow:
        await uow.session.execute(update(Person).where(Person.email == NORA).values(quiet_hours="08:00-18:00"))
        await uow.commit()
    tuesday = morning(MONDAY + dt.timedelta(days=1), 10)
    clock.now = tuesday
    await app.sweep(clock())
    await chats.deliver()
    assert chats.transport.to(NORA) == []  # not at 10:00, inside her quiet hours
    async with app.uow.reader() as uow:
        nudge = (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "onboarding.nudge"))).one()
    local = nudge.not_before.astimezone(dt.timezone(dt.timedelta(hours=1)))
    print("Nora's quiet hours 08:00-18:00: the Tuesday nudge waits until", local.isoformat())
    assert local == dt.datetime.combine(MONDAY + dt.timedelta(days=1), dt.time(18), local.tzinfo)
    clock.now = local.astimezone(dt.UTC)
    await chats.deliver()
    assert len(chats.transport.to(NORA)) == 1
