"""Issue 11, item 2 (the outbox half): a postponed notification never holds back an urgent one.

One recipient's messages still go out in order, but only among those ready to send: a row deferred to
the person's business days or the end of their quiet hours keeps later ordinary rows behind it (so they
arrive in order), while an urgent row queued after it (an offer, the winner's card) goes at once. The
outbox says so: both rows carry a note, and `partnerbot outbox` shows it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from typer.testing import CliRunner

from bot.app import App
from bot.cli import app as cli
from domain.outbox_listing import list_entries
from domain.people import by_email
from tests.chat import ChatFactory
from tests.leads.helpers import import_leads, lead_row
from tests.test_outbox import install, push

SATURDAY_NOON = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)  # 13:00 in Berlin, a weekend day
MONDAY_MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
WEDNESDAY_NIGHT = dt.datetime(2026, 11, 25, 21, 30, tzinfo=dt.UTC)  # 22:30 in Berlin: quiet hours


def texts(chats: ChatFactory, email: str) -> list[str]:
    return [m.message.plain_text() for m in chats.transport.to(email)]


def outbox_listing(app: App) -> str:
    result = CliRunner().invoke(cli, ["outbox", "--database-url", app.settings.database_url])
    assert result.exit_code == 0, result.stderr
    return result.stdout


async def test_item2_deferred_row_never_blocks_urgent_offer_on_a_weekend(chats: ChatFactory) -> None:
    """The issue's example: a business-days-only reminder waits for Monday; the offer after it does not."""
    install(chats)
    await chats.linked("ana@acme.example")
    chats.clock.now = SATURDAY_NOON
    await push(chats.app, "reminder-1", "Reminder: lead L-0 needs an update", business_days_only=True)
    await chats.deliver()
    assert texts(chats, "ana@acme.example") == []  # the reminder waits for Monday
    result, errors = await import_leads(chats.app, [lead_row("L-1")])  # a new shark-tank lead, offered now
    assert errors == [] and result.created == 1
    await chats.deliver()
    (offer,) = texts(chats, "ana@acme.example")
    assert "L-1" in offer and "up for grabs" in offer, "the offer is not held behind Monday's reminder"
    async with chats.app.uow() as uow:
        waiting = await list_entries(uow.session, failed_only=False)
    (reminder,) = [e for e in waiting if e.kind == "test.note"]
    assert reminder.note and "went ahead" in reminder.note
    listing = await asyncio.to_thread(outbox_listing, chats.app)
    assert "went ahead" in listing and "lead.offer" in listing, listing
    chats.clock.now = MONDAY_MORNING
    await chats.deliver()
    assert texts(chats, "ana@acme.example")[-1] == "Reminder: lead L-0 needs an update"


async def test_item2_deferred_row_never_blocks_urgent_winner_card_in_quiet_hours(app: App, chats: ChatFactory) -> None:
    """A note deferred to the morning does not hold back the card of a lead the person claims tonight."""
    install(chats)
    linked = {email: await chats.linked(email) for email in ("ana@acme.example", "ben@globex.example")}
    async with app.uow() as uow:
        ana = await by_email(uow.session, "ana@acme.example")
        assert ana is not None
        ana.urgent_in_quiet_hours = True  # so tonight's offer reaches her; the digest still waits
        await uow.commit()
    chats.clock.now = WEDNESDAY_NIGHT
    await push(app, "digest-1", "Your weekly digest")
    result, errors = await import_leads(app, [lead_row("L-1")])
    assert errors == [] and result.created == 1
    await chats.deliver()
    assert not any("digest" in t for t in texts(chats, "ana@acme.example"))
    offer = chats.transport.to("ana@acme.example")[0]
    won = await linked["ana@acme.example"].press("lead.claim", "L-1", message_id=offer.message_id)
    assert "You got it" in won.text
    await chats.deliver()
    cards = [t for t in texts(chats, "ana@acme.example") if "pat@l-1.example" in t]
    assert len(cards) == 1, "the winner's card goes now, past the deferred digest"
    assert not any("digest" in t for t in texts(chats, "ana@acme.example"))
    chats.clock.now = dt.datetime(2026, 11, 26, 7, 30, tzinfo=dt.UTC)  # 08:30 in Berlin
    await chats.deliver()
    assert texts(chats, "ana@acme.example")[-1] == "Your weekly digest"


async def test_item2_ordinary_rows_still_wait_in_order_behind_a_deferred_one(chats: ChatFactory) -> None:
    """Only urgent rows pass: ordinary ones keep the order the person would expect, and arrive in it."""
    install(chats)
    await chats.linked("ana@acme.example")
    chats.clock.now = SATURDAY_NOON
    kw: dict[str, Any] = {"business_days_only": True}
    await push(chats.app, "o1", "first", **kw)
    await push(chats.app, "o2", "second")
    await push(chats.app, "o3", "urgent third", urgent=True)
    await push(chats.app, "o4", "fourth")
    await chats.deliver()
    assert texts(chats, "ana@acme.example") == ["urgent third"]
    chats.clock.now = MONDAY_MORNING
    await chats.deliver()
    assert texts(chats, "ana@acme.example") == ["urgent third", "first", "second", "fourth"]
