"""Issue 11, item 10: `sweep --at` refuses instants it cannot compute with, has a dry run that changes
nothing, says in its help that it acts on live data, and reports never show negative durations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.app import App
from bot.cli import app as cli
from bot.demo import demo_file
from domain.leads import reports
from domain.leads.models import Lead
from domain.models import LinkCode, OutboxMessage, Partner
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import import_leads, lead_row

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo"


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def load_demo(db: list[str]) -> None:
    for kind in ("partners", "people", "leads"):
        assert run("import", kind, str(demo_file(kind)), *db)[0] == 0
    assert run("link-code", "ana@acme.example", *db)[0] == 0


def dry_run(db: list[str], at: str) -> dict[str, object]:
    code, out, err = run("sweep", "--at", at, "--dry-run", "--json", *db)
    assert code == 0, err
    return dict(json.loads(out))


@pytest.mark.parametrize(
    "at", ["9999-12-31T10:00:00+00:00", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00", "9995-06-01"]
)
def test_item10_an_instant_the_calendar_cannot_compute_exits_2_with_one_line(db: list[str], at: str) -> None:
    load_demo(db)
    before = dry_run(db, "2099-01-05T10:00:00+00:00")
    code, out, err = run("sweep", "--at", at, *db)
    assert code == 2
    assert err.strip().count("\n") == 0 and err.startswith("partnerbot: ") and "Traceback" not in out + err
    assert dry_run(db, "2099-01-05T10:00:00+00:00") == before  # the refused sweep changed nothing


def test_item10_dry_run_lists_what_it_would_queue_and_changes_nothing(db: list[str]) -> None:
    load_demo(db)
    outbox_after_load = run("outbox", *db)[1]  # the demo's CAM invites wait for Carla to open the bot
    at = "2099-01-05T10:00:00+00:00"
    first = dry_run(db, at)
    counts = first["counts"]
    # Five codes expire: the demo's own, and the four its hot lead put in the CAM's hands for the people of
    # Acme and Globex, whom nobody can reach yet (issue 17, item 6); those four are not reminded of.
    assert isinstance(counts, dict) and counts["link_reminders"] == 1 and counts["link_codes_expired"] == 5
    assert counts["leads_offer_expired"] >= 1
    queued = first["would_queue"]
    assert isinstance(queued, list)
    assert {"kind": "link.reminder_cam", "recipient": "carla.cam@vendor.example"}.items() <= queued[0].items()
    assert dry_run(db, at) == first  # the first dry run left nothing behind
    assert run("outbox", *db)[1] == outbox_after_load  # nothing queued by either dry run
    assert "lead.cam_invite" in outbox_after_load and "link.reminder" not in outbox_after_load
    code, out, _ = run("sweep", "--at", at, "--dry-run", *db)  # the table form says it is a dry run
    assert code == 0 and "dry run" in out and "link.reminder_cam" in out and "carla.cam@vendor.example" in out
    real = json.loads(run("sweep", "--at", at, "--json", *db)[1])
    assert {k: v for k, v in real["counts"].items() if k != "delivered"} == counts  # the same code path


async def test_item10_plain_dry_run_goes_through_the_same_sweeps_and_rolls_back(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    from domain import linking

    for email in ("ana@acme.example", "ben@globex.example"):
        async with app.uow() as uow:
            await linking.issue_code(uow.session, email, clock())
            await uow.commit()
    await chats.linked("carla.cam@vendor.example")
    later = clock.advance(days=30)
    rehearsal = await app.rehearse_sweep(later)
    assert rehearsal.counts["link_reminders"] == 2 and rehearsal.counts["link_codes_expired"] == 2
    assert sorted(p.kind for p in rehearsal.queued) == ["link.reminder_cam", "link.reminder_cam"]
    async with app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await uow.session.scalar(select(func.count()).where(LinkCode.expired_at.is_not(None))) == 0
    counts = await app.sweep(later)
    assert counts["link_reminders"] == 2 and counts["link_codes_expired"] == 2


def test_item10_help_says_at_changes_live_data() -> None:
    code, out, _ = run("sweep", "--help")
    flat = " ".join(out.split())
    assert code == 0 and "live data" in flat and "--dry-run" in flat


async def _holder_chat(app: App, chats: ChatFactory, external_id: str) -> str:
    async with app.uow() as uow:
        partner = await uow.session.scalar(
            select(Partner.external_id).join(Lead, Lead.partner_id == Partner.id).where(Lead.external_id == external_id)
        )
    return {"P-ACME": "ana@acme.example", "P-GLOBEX": "ben@globex.example"}[str(partner)]


async def test_item10_no_negative_median_after_a_far_future_sweep(app: App, chats: ChatFactory, clock: Clock) -> None:
    people = {e: await chats.linked(e) for e in ("ana@acme.example", "ben@globex.example")}
    await import_leads(app, [lead_row("F-1", priority="warm")])
    await app.sweep(clock() + dt.timedelta(days=365 * 60))  # the offer expires; round robin assigns it in 2086
    clock.advance(minutes=5)
    holder = await _holder_chat(app, chats, "F-1")
    await people[holder].press("lead.accept", "F-1")
    async with app.uow() as uow:
        rows = await reports.lead_report(uow.session, clock() - dt.timedelta(days=30))
    assert sum(r.claimed for r in rows) == 1
    assert all(r.median_minutes_to_claim is None or r.median_minutes_to_claim >= 0 for r in rows)
    cells = [cell for line in reports.as_table(rows).splitlines()[1:] for cell in line.split()]
    assert not [cell for cell in cells if cell.startswith("-") and cell[1:2].isdigit()]


async def test_item10_a_backwards_wait_is_left_out_of_the_median_not_clamped(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    people = {e: await chats.linked(e) for e in ("ana@acme.example", "ben@globex.example")}
    await import_leads(app, [lead_row("F-1", priority="warm")])
    await app.sweep(clock() + dt.timedelta(days=365 * 60))
    holder = await _holder_chat(app, chats, "F-1")
    await import_leads(app, [lead_row("F-2", priority="warm")])
    clock.advance(minutes=12)
    await people[holder].press("lead.accept", "F-1")
    await people[holder].press("lead.claim", "F-2")
    async with app.uow() as uow:
        rows = {r.partner_id: r for r in await reports.lead_report(uow.session)}
    partner = {"ana@acme.example": "P-ACME", "ben@globex.example": "P-GLOBEX"}[holder]
    assert rows[partner].claimed == 2 and rows[partner].median_minutes_to_claim == 12.0
