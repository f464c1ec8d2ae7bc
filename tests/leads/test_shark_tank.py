"""Shark tank: offers to every linked rep/admin of eligible partners, one winner, edits everywhere."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import App
from bot.transport import TransientError
from domain.leads.models import Lead, LeadEvent
from handlers.model import Message
from tests.chat import ChatFactory, Clock, RecordingTransport
from tests.conftest import make_app
from tests.leads.helpers import add_partners, import_leads, lead, lead_row, outbox

PEOPLE = ("ana@acme.example", "arno@acme.example", "ben@globex.example", "gwen@globex.example")


async def _race(chats: ChatFactory) -> dict[str, object]:
    linked = {email: await chats.linked(email) for email in (*PEOPLE, "ivan@initech.example")}
    result, errors = await import_leads(chats.app, [lead_row("L-1")])
    assert errors == [] and result.created == 1
    await chats.deliver()
    return linked


async def test_offer_reaches_every_linked_rep_and_admin_without_contact_details(app: App, chats: ChatFactory) -> None:
    await _race(chats)
    for email in PEOPLE:
        [offer] = chats.transport.to(email)
        text = offer.message.plain_text()
        assert "L-1" in text and "cloud-suite" in text and "EMEA" in text and "200-500" in text and "hot" in text
        assert "48,000" in text or "48.000" in text
        for secret in ("Company L-1", "pat@", "Pat Buyer", "+49 30", "l-1.example"):
            assert secret not in text
        assert [(b.action, b.value) for b in offer.message.buttons] == [("lead.claim", "L-1")]
    assert chats.transport.to("ivan@initech.example") == [], "Initech is in amer"


async def test_first_claim_wins_others_see_claimed_and_late_taps_are_told(app: App, chats: ChatFactory) -> None:
    linked = await _race(chats)
    ana, ben = linked["ana@acme.example"], linked["ben@globex.example"]
    won = await ana.press("lead.claim", "L-1", message_id=chats.transport.to("ana@acme.example")[0].message_id)
    assert "You got it" in won.text
    card = chats.transport.to("ana@acme.example")[-1].message.plain_text()
    assert "pat@l-1.example" in card and "Pat Buyer" in card, "the winner gets the full lead at once"
    late = await ben.press("lead.claim", "L-1")
    assert "already claimed" in late.text
    assert "pat@" not in late.text
    again = await ana.press("lead.claim", "L-1")
    assert "You already have lead L-1" in again.text
    colleague = await linked["arno@acme.example"].press("lead.claim", "L-1")
    assert "Your team already has lead L-1" in colleague.text
    await chats.deliver()
    for email in PEOPLE:
        offer, *card = chats.transport.to(email)
        assert len(card) == (1 if email == "ana@acme.example" else 0)  # the winner's card, once
        assert offer.edits, f"{email}'s offer was not edited"
        assert offer.current.buttons == []
    assert "claimed by another partner" in chats.transport.to("ben@globex.example")[0].current.text
    assert "Ana Schmidt of your team" in chats.transport.to("arno@acme.example")[0].current.text
    assert "You claimed" in chats.transport.to("ana@acme.example")[0].current.text


async def test_claim_by_a_partner_that_was_not_offered_is_refused_without_the_reason(
    app: App, chats: ChatFactory
) -> None:
    linked = await _race(chats)
    refused = await linked["ivan@initech.example"].press("lead.claim", "L-1")
    assert "not available to you" in refused.text
    for leak in ("region", "amer", "emea", "capacity", "tier"):
        assert leak not in refused.text.lower()
    assert (await lead(app, "L-1")).status == "offered"
    unknown = await linked["ana@acme.example"].press("lead.claim", "L-999")
    assert unknown.text == refused.text.replace("L-1", "L-999"), "an unknown lead is answered like one not offered"
    staff = await (await chats.linked("carla.cam@vendor.example")).press("lead.claim", "L-1")
    assert "not available for your role" in staff.text


async def test_many_simultaneous_claims_have_exactly_one_winner(app: App, chats: ChatFactory) -> None:
    """Runs on SQLite and PostgreSQL (the `app` fixture is parametrised over both)."""
    emails = [*PEOPLE, *await add_partners(app, 12)]
    presses = [await chats.linked(email) for email in emails for _ in range(3)]
    await import_leads(app, [lead_row("L-7")])
    answers = await asyncio.gather(*(chat.press("lead.claim", "L-7") for chat in presses))
    winners = [a for a in answers if "You got it" in a.text]
    assert len(winners) == 1, [a.text for a in answers]
    assert all(
        "already claimed" in a.text or "already have" in a.text or "team already has" in a.text
        for a in answers
        if a not in winners
    ), [a.text for a in answers if a not in winners][:5]
    async with app.uow() as uow:
        claimed = await uow.session.scalar(
            select(func.count()).select_from(LeadEvent).where(LeadEvent.kind == "claimed")
        )
        row = (await uow.session.scalars(select(Lead).where(Lead.external_id == "L-7"))).one()
    assert claimed == 1 and row.status == "claimed"
    closed = await outbox(app, "lead.offer_closed")
    assert len(closed) == len(emails) and all(r.edit_only for r in closed)


class FlakyEdits(RecordingTransport):
    """Fails the first edit in every chat, as a platform with a hiccup would."""

    def __init__(self) -> None:
        super().__init__("console")
        self.failed: set[str] = set()

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        if chat_id not in self.failed:
            self.failed.add(chat_id)
            raise TransientError("502 bad gateway")
        await super().edit(chat_id, message_id, message)


async def test_claimed_edits_reach_every_chat_even_after_retries(app: App, chats: ChatFactory, clock: Clock) -> None:
    linked = await _race(chats)
    flaky = FlakyEdits()
    flaky.messages = chats.transport.messages
    app.transports["console"] = flaky  # the winner's card and edit, delivered at once, meet it too
    await linked["gwen@globex.example"].press("lead.claim", "L-1")
    await app.sender({"console": flaky}).drain()
    assert flaky.failed == set(PEOPLE)
    assert all(not m.edits for m in flaky.messages)
    clock.advance(seconds=30)
    await app.sender({"console": flaky}).drain()
    for email in PEOPLE:
        offer = chats.transport.to(email)[0]
        assert len(offer.edits) == 1 and offer.current.buttons == []
    clock.advance(seconds=30)
    assert await app.sender({"console": flaky}).drain() == 0, "nothing is sent twice"


async def test_unclaimed_after_24h_alerts_the_cam_and_falls_back_to_round_robin(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    await _race(chats)
    carla = await chats.linked("carla.cam@vendor.example")
    clock.advance(hours=23, minutes=59)
    assert (await app.sweep(clock()))["leads_offer_expired"] == 0
    clock.advance(minutes=1)
    assert (await app.sweep(clock()))["leads_offer_expired"] == 1
    assert (await app.sweep(clock()))["leads_offer_expired"] == 0
    row = await lead(app, "L-1")
    assert row.status == "assigned" and row.mode == "round_robin"
    await chats.deliver()
    [alert] = [m for m in chats.transport.to(carla.chat.chat_id) if "not claimed" in m.message.plain_text()]
    assert "Company L-1" in alert.message.plain_text()
    assert {b.action for b in alert.message.buttons} == {"lead.assign"}
    # Globex is platinum (weight 3) and goes first in the rotation; Acme's offer says it expired.
    assert "no longer offered" in chats.transport.to("ana@acme.example")[0].current.text
    assigned = chats.transport.to("ben@globex.example")[-1].message
    assert [b.action for b in assigned.buttons] == ["lead.accept", "lead.decline"]


async def test_cam_alerts_go_to_the_configured_slack_channel(database_url: str, clock: Clock) -> None:
    app = make_app(database_url, clock, slack_cam_channel="C0CAMS")
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        await _race(chats)
        clock.advance(hours=24)
        await app.sweep(clock())
        [alert] = await outbox(app, "lead.cam_alert")
        assert (alert.platform, alert.chat_id, alert.person_id) == ("slack", "C0CAMS", None)
        slack = RecordingTransport("slack")
        await app.sender({"console": chats.transport, "slack": slack}).drain()
        assert "L-1" in slack.to("C0CAMS")[0].message.plain_text()
    finally:
        await app.close()


async def test_claim_command_does_the_same_as_the_button(app: App, chats: ChatFactory) -> None:
    linked = await _race(chats)
    answer = await linked["ben@globex.example"].send("/claim L-1")
    card = chats.transport.to("ben@globex.example")[-1].message.plain_text()
    assert "Lead L-1 is yours" in answer.text and "pat@l-1.example" in card
    assert "already claimed" in (await linked["ana@acme.example"].send("/claim L-1")).text
    assert "Send the lead id" in (await linked["ana@acme.example"].send("/claim")).text
