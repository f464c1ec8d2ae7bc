"""`import leads`: every bad row by number and column, nothing imported, re-import updates in place."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.app import App
from bot.cli import app as cli
from bot.demo import demo_file
from domain.leads.models import Lead
from domain.models import OutboxMessage, Person
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.leads.helpers import import_leads, lead, lead_row, write_leads


async def _count(app: App, model: type) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_bad_row_is_reported_and_nothing_is_imported(app: App, chats: ChatFactory) -> None:
    rows = [
        lead_row("B-1"),
        lead_row("B-2", region="mars"),
        lead_row("B-3", priority="urgent"),
        lead_row("B-1"),
        lead_row("B-5", assignment="direct"),
        lead_row("B-6", min_tier="diamond"),
        lead_row("B-7", assignment="direct", partner_id="P-NOPE"),
        lead_row("B-8", contact_email="not-an-email", estimated_value="lots"),
    ]
    result, errors = await import_leads(app, rows)
    assert result is None
    where = {(e.row, e.column) for e in errors}
    assert where == {
        (3, "region"),
        (4, "priority"),
        (5, "lead_id"),
        (6, "partner_id"),
        (7, "min_tier"),
        (8, "partner_id"),
        (9, "contact_email"),
        (9, "estimated_value"),
    }
    assert "unknown region 'mars'" in next(str(e) for e in errors if e.row == 3)
    assert "first on row 2" in next(str(e) for e in errors if e.row == 5)
    assert await _count(app, Lead) == 0 and await _count(app, OutboxMessage) == 0


async def test_skip_invalid_imports_the_good_rows(app: App, chats: ChatFactory) -> None:
    result, errors = await import_leads(app, [lead_row("S-1"), lead_row("S-2", region="mars")], skip_invalid=True)
    assert result.created == 1 and [e.row for e in errors] == [3]
    assert (await lead(app, "S-1")).status == "offered"


async def test_reimport_updates_in_place_without_distributing_again(app: App, chats: ChatFactory) -> None:
    await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("U-1")])
    offers = await _count(app, OutboxMessage)
    result, errors = await import_leads(app, [lead_row("U-1", company="Renamed GmbH", estimated_value="99")])
    assert errors == [] and (result.created, result.updated) == (0, 1)
    row = await lead(app, "U-1")
    assert (row.company, row.estimated_value, row.round) == ("Renamed GmbH", 99.0, 1)
    assert await _count(app, Lead) == 1 and await _count(app, OutboxMessage) == offers


async def test_regions_come_from_partners_and_the_standard_list(app: App, chats: ChatFactory) -> None:
    result, errors = await import_leads(app, [lead_row("G-1", region="AMER"), lead_row("G-2", region="apac")])
    assert errors == [] and result.created == 2
    assert (await lead(app, "G-1")).region == "amer"


def test_cli_import_leads_exit_status(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for kind in ("partners", "people"):
        assert runner.invoke(cli, ["--database-url", sqlite_url, "import", kind, str(demo_file(kind))]).exit_code == 0
    bad = write_leads([lead_row("C-1", priority="someday")], tmp_path / "bad.csv")
    outcome = runner.invoke(cli, ["--database-url", sqlite_url, "import", "leads", str(bad)])
    assert outcome.exit_code == 2 and "row 2, column priority" in outcome.output
    good = write_leads([lead_row("C-1")], tmp_path / "good.csv")
    outcome = runner.invoke(cli, ["--database-url", sqlite_url, "import", "leads", str(good)])
    assert outcome.exit_code == 0 and "leads: 1 created, 0 updated" in outcome.output


def test_the_import_summary_says_who_got_offers_and_which_leads_found_nobody(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for kind in ("partners", "people"):
        assert runner.invoke(cli, ["--database-url", sqlite_url, "import", kind, str(demo_file(kind))]).exit_code == 0
    leads = write_leads([lead_row("S-1"), lead_row("S-2", product="quantum-widgets")], tmp_path / "two.csv")
    outcome = runner.invoke(cli, ["--database-url", sqlite_url, "import", "leads", str(leads)])
    assert outcome.exit_code == 0, outcome.output
    offered = next(line for line in outcome.output.splitlines() if "S-1" in line)
    assert "offered to 2 partner(s)" in offered and "Acme Cloud Resellers" in offered and "Globex" in offered
    nobody = next(line for line in outcome.output.splitlines() if "S-2" in line)
    assert "nobody eligible" in nobody

    async def cam_alerts() -> list[tuple[str | None, int | None]]:
        app = make_app(sqlite_url, Clock(dt.datetime.now(dt.UTC)))
        try:
            async with app.uow.reader() as uow:
                rows = await uow.session.execute(
                    select(Person.email, OutboxMessage.person_id)
                    .join(Person, Person.id == OutboxMessage.person_id)
                    .where(OutboxMessage.kind == "lead.cam_alert")
                )
                return [(email, person) for email, person in rows.all()]
        finally:
            await app.close()

    # No CAM channel is set and no partner sells the product: the CAM of the region's partners hears of
    # it by direct message (Diego, whose partners are elsewhere, does not).
    emails = sorted(email for email, _person in asyncio.run(cam_alerts()) if email)
    assert emails == ["carla.cam@vendor.example"]
