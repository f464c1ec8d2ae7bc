"""`report leads`: per partner offered, claimed, median time to claim, SLA kept %, reclaims, conversion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bot.app import App
from bot.cli import app as cli
from bot.demo import demo_file
from domain.leads import reports
from tests.chat import ChatFactory, Clock
from tests.deals.conftest import VALUES as DEAL
from tests.leads.helpers import import_leads, lead_row


async def _activity(app: App, chats: ChatFactory, clock: Clock) -> None:
    ana = await chats.linked("ana@acme.example")
    ben = await chats.linked("ben@globex.example")
    await import_leads(app, [lead_row("R-1", priority="warm"), lead_row("R-2", priority="warm")])
    clock.advance(minutes=10)
    await ana.press("lead.claim", "R-1")
    clock.advance(minutes=10)
    await ben.press("lead.claim", "R-2")
    await ana.press("lead.update", "R-1:contacted")
    await ana.press("lead.convert", "R-1")  # opens the deal form; registering the deal converts the lead
    await ana.submit("deal.register", {**DEAL, "lead_id": "R-1"})
    clock.advance(hours=48)
    await app.sweep(clock())  # Globex sat on R-2: reclaimed, offered again to Acme only


async def test_report_per_partner(app: App, chats: ChatFactory, clock: Clock) -> None:
    await _activity(app, chats, clock)
    async with app.uow() as uow:
        rows = {r.partner_id: r for r in await reports.lead_report(uow.session)}
    acme, globex = rows["P-ACME"], rows["P-GLOBEX"]
    assert (acme.offered, acme.claimed, acme.converted, acme.reclaims) == (3, 1, 1, 0)
    assert acme.median_minutes_to_claim == 10.0 and acme.sla_kept_pct == 100.0 and acme.conversion_pct == 100.0
    assert (globex.offered, globex.claimed, globex.reclaims) == (2, 1, 1)
    assert globex.median_minutes_to_claim == 20.0 and globex.sla_kept_pct == 0.0 and globex.conversion_pct == 0.0
    table = reports.as_table(list(rows.values()))
    assert "median min to claim" in table and "P-GLOBEX" in table
    assert reports.as_csv(list(rows.values())).splitlines()[0].startswith("partner_id,partner,offered,claimed")


def test_cli_report_formats_and_chart(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for kind in ("partners", "people", "leads"):
        assert runner.invoke(cli, ["--database-url", sqlite_url, "import", kind, str(demo_file(kind))]).exit_code == 0
    table = runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads"])
    assert table.exit_code == 0 and "P-ACME" in table.output and "P-GLOBEX" in table.output
    data = json.loads(runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads", "--format", "json"]).output)
    assert {p["partner_id"] for p in data["partners"]} >= {"P-ACME", "P-GLOBEX", "P-UMBRELLA", "P-INITECH", "P-KAIJU"}
    csv_out = runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads", "--format", "csv", "--since", "7d"])
    assert csv_out.output.startswith("partner_id,")
    chart = tmp_path / "leads.png"
    done = runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads", "--chart", str(chart)])
    assert done.exit_code == 0 and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads", "--since", "soon"]).exit_code == 2
    assert runner.invoke(cli, ["--database-url", sqlite_url, "report", "leads", "--format", "xml"]).exit_code == 2


def test_the_leads_chart_names_partners_and_counts_in_whole_numbers(tmp_path: Path, monkeypatch: Any) -> None:
    """A CAM reads partner names, not ids, and no "2.5 leads" tick on a chart of a few leads."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    from domain.leads.reports import PartnerLeadStats, chart

    seen: dict[str, Any] = {}
    labels_of, save = Axes.set_xticklabels, matplotlib.figure.Figure.savefig

    def spy_labels(self: Axes, labels: Any, *args: Any, **kwargs: Any) -> Any:
        seen["labels"] = list(labels)
        return labels_of(self, labels, *args, **kwargs)

    def spy_save(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen["ticks"] = list(self.axes[0].get_yticks())
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_xticklabels", spy_labels)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy_save)
    rows = [PartnerLeadStats("P-ACME", "Acme Cloud Resellers", offered=3, claimed=1)]
    chart(rows, tmp_path / "leads.png")
    assert seen["labels"] == ["Acme Cloud Resellers"]
    assert seen["ticks"] and all(float(t).is_integer() and t >= 0 for t in seen["ticks"])
