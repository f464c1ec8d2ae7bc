"""`partners` for CAMs: their portfolio riskiest first (overdue milestones, days left to activate, last
activity), sortable; `onboarding` for a partner of theirs only; the same table in `report onboarding`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.app import App
from bot.capabilities import report_kinds
from tests.chat import ChatFactory, Clock
from tests.onboarding.conftest import CARLA, MONDAY, NORA, morning, new_reseller


async def test_partners_puts_the_riskiest_first_and_opens_each_checklist(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path)
    clock.now = morning(MONDAY + dt.timedelta(days=9), 10)
    carla = await chats.linked(CARLA)
    listed = await carla.command("partners")
    items = listed.messages[0].items
    (nordwind,) = [line for line in items if "Nordwind Systemhaus (P-NEW)" in line]
    assert "day 9 · 3 overdue · 51 days left to activate" in nordwind  # profile, welcome call, nobody linked
    overdue = [int(line.split(" overdue")[0].rsplit("· ", 1)[1]) if " overdue" in line else 0 for line in items]
    assert overdue == sorted(overdue, reverse=True)  # riskiest first
    assert "Umbrella" not in listed.text  # Diego's partner, not Carla's
    by_name = await carla.command("partners", "name")
    assert by_name.messages[0].items[0].startswith("Acme Cloud Resellers")
    assert "Sort by one of" in (await carla.command("partners", "shoe size")).text
    checklist = await carla.press("onboarding.open", "P-NEW")
    assert (
        "Onboarding of Nordwind Systemhaus — day 9" in checklist.text and "✗ Portal access confirmed" in checklist.text
    )
    diego = await chats.linked("diego.cam@vendor.example")
    assert "P-NEW" in (await diego.press("onboarding.open", "P-NEW")).text  # "no partner P-NEW that you can see"
    assert "Nordwind" not in (await diego.press("onboarding.open", "P-NEW")).text
    nora = await chats.linked(NORA)
    assert (
        "not available" in (await nora.command("partners")).text.lower()
        or "partners" not in (await nora.command("help")).text
    )


async def test_report_onboarding_as_table_csv_json_and_chart(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await new_reseller(app, chats, clock, tmp_path)
    kind = report_kinds()["onboarding"]
    async with app.uow.reader() as uow:
        rows = await kind.rows(uow.session, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    partners = [r for r in rows if r.group == "partner"]
    assert any("Nordwind Systemhaus (P-NEW)" == r.name for r in partners)
    cohorts = {r.name: r for r in rows if r.group == "cohort"}
    assert "2026-11" in cohorts and cohorts["2026-11"].partners >= 1
    assert "Nordwind" in kind.as_table(rows) and kind.as_csv(rows).startswith("group,name,")
    assert json.loads(kind.as_json(rows, None))["lines"]
    assert kind.chart is not None
    assert kind.chart(rows, tmp_path / "onboarding.png", kind.title).read_bytes()[:4] == b"\x89PNG"


async def test_partners_shows_claims_and_missed_follow_ups_and_sorts_by_them(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    from tests.leads.helpers import import_leads, lead_row

    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("PF-1"), lead_row("PF-2")])
    assert "yours" in (await ana.press("lead.claim", "PF-1")).text
    assert "yours" in (await ana.press("lead.claim", "PF-2")).text
    clock.advance(days=10)  # no follow-up recorded: the sweep takes the leads back
    await app.sweep(clock())
    carla = await chats.linked(CARLA)
    listed = await carla.command("partners", "misses")
    acme = listed.messages[0].items[0]
    assert acme.startswith("Acme Cloud Resellers") and "2 claims in 90 days" in acme
    assert "lead follow-ups missed" in acme
    others = [line for line in listed.messages[0].items[1:] if "follow-up" in line]
    assert others == []
