"""A new reseller joining the demo program on a Monday, for the onboarding tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.app import App
from bot.importer import import_file
from tests.chat import ChatFactory, Clock

MONDAY = dt.date(2026, 11, 30)
NEW_PARTNER = (
    "partner_id,name,type,tier,region,country,verticals,products,cam_email,parent_partner_id,slack_channel,"
    "timezone,language,joined_on\n"
    "P-NEW,Nordwind Systemhaus,{type},registered,emea,DE,retail,cloud-suite,carla.cam@vendor.example,,,"
    "{timezone},en,{joined}\n"
)
NEW_PEOPLE = (
    "email,name,role,partner_id,slack_user_id,telegram_user_id,timezone,language\n"
    "nora@nordwind.example,Nora Lind,partner_admin,P-NEW,,,Europe/Berlin,en\n"
)


async def import_new_partner(
    app: App, tmp_path: Path, *, joined: dt.date = MONDAY, type_: str = "reseller", timezone: str = "Europe/Berlin"
) -> None:
    partners = tmp_path / "new-partner.csv"
    partners.write_text(NEW_PARTNER.format(type=type_, timezone=timezone, joined=joined.isoformat()), encoding="utf-8")
    people = tmp_path / "new-people.csv"
    people.write_text(NEW_PEOPLE, encoding="utf-8")
    for kind, path in (("partners", partners), ("people", people)):
        result, errors = await import_file(app, kind, path, skip_invalid=False)
        assert result is not None and not errors, errors


NORA, CARLA = "nora@nordwind.example", "carla.cam@vendor.example"
BERLIN = dt.timezone(dt.timedelta(hours=1))  # CET in winter


def morning(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BERLIN).astimezone(dt.UTC)


async def new_reseller(app: App, chats: ChatFactory, clock: Clock, tmp_path: Path, *linked: str) -> None:
    """The demo program, Nordwind imported on Monday morning, and these people linked in the console."""
    clock.now = morning(MONDAY, 8)
    await chats.seed_program()
    await import_new_partner(app, tmp_path)
    for email in linked:
        await chats.linked(email)
