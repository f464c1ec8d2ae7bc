"""The operator's side of tickets: `report support` in every format with its chart, and `kb drafts` /
`kb publish` for articles drafted from resolved tickets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app

ANA, SAM = "ana@acme.example", "sam.support@vendor.example"


async def _one_resolved_ticket(url: str, clock: Clock) -> None:
    app = make_app(url, clock)
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        ana, sam = await chats.linked(ANA), await chats.linked(SAM)
        values = {"category": "platform_access", "severity": "low", "subject": "Cannot sign in", "description": "SSO"}
        await ana.submit("ticket.open", values)
        await sam.press("ticket.take", "T-000001")
        await sam.send("/ticket T-000001 Use the partner SSO button on the login page.")
        await sam.press("ticket.resolve", "T-000001")
        await sam.press("ticket.save_article", "T-000001")
    finally:
        await app.close()


def test_report_support_and_kb_drafts_from_the_command_line(sqlite_url: str, clock: Clock, tmp_path: Path) -> None:
    asyncio.run(_one_resolved_ticket(sqlite_url, clock))
    runner = CliRunner()
    db = ["--database-url", sqlite_url]

    table = runner.invoke(cli, [*db, "report", "support", "--since", "3650d"])
    assert table.exit_code == 0, (table.output, table.stderr)
    assert (
        "platform_access" in table.output
        and "Platform operations" in table.output
        and "KB deflection %" in table.output
    )
    data = json.loads(runner.invoke(cli, [*db, "report", "support", "--since", "3650d", "--format", "json"]).output)
    everything = data["lines"][0]
    assert (everything["tickets"], everything["first_response_kept_pct"]) == (1, 100.0)
    assert runner.invoke(cli, [*db, "report", "support", "--format", "csv"]).output.startswith("group,name,team")
    chart = tmp_path / "support.png"
    done = runner.invoke(cli, [*db, "report", "support", "--since", "3650d", "--chart", str(chart)])
    assert done.exit_code == 0 and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    listed = runner.invoke(cli, [*db, "kb", "drafts"])
    assert "ticket-t-000001" in listed.output and "Cannot sign in" in listed.output
    published = runner.invoke(cli, [*db, "kb", "publish", "ticket-t-000001"])
    assert published.exit_code == 0 and "published ticket-t-000001" in published.output
    assert "no drafts" in runner.invoke(cli, [*db, "kb", "drafts"]).output
    again = runner.invoke(cli, [*db, "kb", "publish", "ticket-t-000001"])
    assert again.exit_code == 2 and "published already" in again.stderr
    unknown = runner.invoke(cli, [*db, "kb", "publish", "no-such-article"])
    assert unknown.exit_code == 2 and "There is no article no-such-article" in unknown.stderr
