"""A partner on Telegram: opens a ticket question by question, answers the agent by replying to the
bot's message, and gets a reply longer than Telegram's 4,096 characters in full.

Telegram is the fake Bot API over real HTTP behind our webhook; the agent is on the console.
"""

from __future__ import annotations

from sqlalchemy import select

from domain.tickets.models import Ticket
from tests.chat import ChatFactory, RecordingTransport
from tests.fakes.telegram_updates import tg_message, tg_message_update
from tests.telegram.harness import TelegramHarness, ana

SAM = "sam.support@vendor.example"
ANA_ID = 1001


async def test_a_telegram_partner_opens_a_ticket_and_answers_by_replying(tg: TelegramHarness) -> None:
    user = ana(ANA_ID)
    await tg.link("ana@acme.example", user)
    for text in ("/ticket", "Technical and product", "high", "API returns 500", "Since the 9:00 deploy", "-"):
        assert await tg.post(tg_message_update(text, user)) == 200
    opened = tg.fake.texts_to(ANA_ID)[-1]
    assert "Ticket T-000001 is open" in opened and "First response due" in opened

    console = RecordingTransport("console")
    tg.app.transports["console"] = console
    sam = await ChatFactory(tg.app, tg.clock).linked(SAM)
    await sam.press("ticket.take", "T-000001")
    await sam.press("ticket.needs_info", "T-000001")
    await sam.send("Which customer tenant is affected?")
    await tg.app.sender().drain()
    question = tg.fake.sent_to(ANA_ID)[-1]
    assert "Which customer tenant is affected?" in question["text"]

    # Ana replies to the question itself (Telegram's reply), no command needed.
    reply = tg_message("tenant eu-7", user, reply_to=question)
    assert await tg.post({"update_id": 990001, "message": reply}) == 200
    assert "Added to T-000001" in tg.fake.texts_to(ANA_ID)[-1]
    async with tg.app.uow.reader() as uow:
        ticket = (await uow.session.scalars(select(Ticket))).one()
    assert ticket.status == "in_progress"
    await tg.app.sender().drain()
    assert any("tenant eu-7" in d.current.plain_text() for d in console.to(SAM))

    # A long answer reaches her whole, split at Telegram's limit.
    long = " ".join(f"step-{n:04d}" for n in range(700))  # about 7,000 characters
    await sam.send(f"/ticket T-000001 {long}")
    await tg.app.sender().drain()
    received = "".join(tg.fake.texts_to(ANA_ID)[-3:])
    assert "step-0000" in received and "step-0699" in received
    assert all(len(text) <= 4096 for text in tg.fake.texts_to(ANA_ID))
