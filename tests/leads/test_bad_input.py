"""Buttons and commands that arrive wrong, twice or days late get a clear answer and change nothing."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.chat import ChatFactory, Clock
from tests.deals.conftest import VALUES as DEAL
from tests.leads.helpers import import_leads, lead, lead_row, outbox


async def test_unknown_lead_ids_are_answered_plainly(app: App, chats: ChatFactory) -> None:
    ana = await chats.linked("ana@acme.example")
    for answer in (await ana.send("/claim L-NOPE"), await ana.press("lead.claim", "L-NOPE")):
        assert "L-NOPE" in answer.text and "Something went wrong" not in answer.text
    assert "Something went wrong" not in (await ana.send("/claim")).text
    assert "Something went wrong" not in (await ana.press("lead.update", "no-colon-here")).text
    assert "Something went wrong" not in (await ana.press("lead.update", "L-NOPE:teleported")).text


async def test_a_stale_accept_button_days_later_changes_nothing(app: App, chats: ChatFactory, clock: Clock) -> None:
    clock.advance(hours=3)
    ursula = await chats.linked("ursula@umbrella.example")
    await chats.linked("hugo@hooli.example")
    await import_leads(app, [lead_row("S-1", region="latam", product="backup", assignment="round_robin")])
    clock.advance(hours=25)
    await app.sweep(clock())
    moved = await lead(app, "S-1")
    clock.advance(days=3)
    late = await ursula.press("lead.accept", "S-1")
    assert "Something went wrong" not in late.text and "S-1" in late.text
    after = await lead(app, "S-1")
    assert (after.status, after.partner_id) == (moved.status, moved.partner_id)


async def test_pressing_claim_twice_and_claiming_a_closed_lead(app: App, chats: ChatFactory) -> None:
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("T-1")])
    assert "yours" in (await ana.press("lead.claim", "T-1")).text
    edits_before = len(await outbox(app, "lead.offer_closed"))
    again = await ana.press("lead.claim", "T-1")
    assert "already have" in again.text
    assert len(await outbox(app, "lead.offer_closed")) == edits_before
    await ana.press("lead.convert", "T-1")
    await ana.submit("deal.register", {**DEAL, "lead_id": "T-1"})  # the deal converts the lead
    assert (await lead(app, "T-1")).status == "converted"
    ben = await chats.linked("ben@globex.example")
    assert "no longer open" in (await ben.press("lead.claim", "T-1")).text
    assert "Something went wrong" not in (await ana.press("lead.release", "T-1")).text
    assert (await lead(app, "T-1")).status == "converted"


@pytest.mark.parametrize("value", ["", "x" * 500, "T-1:contacted:extra", "🙂", "\x00\x07"])
async def test_malformed_button_values_are_refused(app: App, chats: ChatFactory, value: str) -> None:
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("T-1")])
    await ana.press("lead.claim", "T-1")
    for action in ("lead.update", "lead.release", "lead.convert", "lead.accept", "lead.decline", "lead.claim"):
        answer = await ana.press(action, value)
        assert answer.text and "Something went wrong" not in answer.text, (action, value)
    assert (await lead(app, "T-1")).status == "claimed"
