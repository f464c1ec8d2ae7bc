"""`partnerbot report notifications`: per push kind and platform, the share that led to the action it
offers and the median time to it — a lead offer claimed 12 minutes after it arrived, one ignored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.app import App
from bot.capabilities import report_kinds
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import import_leads, lead_row


async def test_the_report_shows_which_pushes_led_to_action(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await chats.seed_program()
    ana = await chats.linked("ana@acme.example")
    await chats.linked("ben@globex.example")
    await import_leads(app, [lead_row("N-1", vertical="retail", product="backup"), lead_row("N-2")])
    await chats.deliver()
    clock.advance(minutes=12)
    assert "yours" in (await ana.press("lead.claim", "N-1")).text
    await ana.command("help")  # a command is not an action a push offered
    kind = report_kinds()["notifications"]
    async with app.uow.reader() as uow:
        rows = await kind.rows(uow.session, clock() - dt.timedelta(days=1))
    offers = [r for r in rows if r.kind == "lead.offer" and r.platform == "console"]
    assert len(offers) == 1
    line = offers[0]
    assert line.delivered >= 2 and line.acted == 1 and line.offers == "lead.claim"
    assert line.acted_pct == round(100 / line.delivered, 1) and line.median_minutes_to_action == 12.0
    assert "lead.offer" in kind.as_table(rows) and json.loads(kind.as_json(rows, None))["kinds"]
    assert kind.chart is not None and kind.chart(rows, tmp_path / "n.png", kind.title).read_bytes()[:4] == b"\x89PNG"
