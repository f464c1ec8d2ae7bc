"""A push queued in this process goes out at once, not at the sender's next poll."""

from __future__ import annotations

import asyncio

from bot.app import App
from handlers.model import Message
from tests.chat import ChatFactory, RecordingTransport

POLL = 30.0  # far longer than the test may take: only the wake-up can deliver in time
SAM = "sam.support@vendor.example"


class Watched(RecordingTransport):
    def __init__(self) -> None:
        super().__init__("console")
        self.arrived = asyncio.Event()

    async def send(self, chat_id: str, message: Message) -> str:
        sent = await super().send(chat_id, message)
        self.arrived.set()
        return sent


async def test_a_push_queued_here_wakes_the_idle_sender(app: App, chats: ChatFactory) -> None:
    ana = await chats.linked("ana@acme.example")
    await chats.linked(SAM)
    watched = Watched()
    stop = asyncio.Event()
    sender = asyncio.create_task(app.sender({"console": watched}).run_forever(stop, idle=POLL))
    try:
        values = {"category": "technical_product", "severity": "low", "subject": "Logo pack", "description": "Where?"}
        await ana.submit("ticket.open", values)  # queues pushes to the support staff (no support channel)
        await asyncio.wait_for(watched.arrived.wait(), 5)
    finally:
        stop.set()
        await sender
    assert "New ticket T-000001" in watched.to(SAM)[0].message.plain_text()


async def test_a_ticket_pushed_to_a_person_shows_due_times_in_their_own_timezone(app: App, chats: ChatFactory) -> None:
    """Sam (Dublin, +0000) reads the due times of Ana's ticket (Berlin, +0100) in his own clock."""
    ana = await chats.linked("ana@acme.example")
    await chats.linked(SAM)
    values = {"category": "technical_product", "severity": "high", "subject": "API 500", "description": "Since 9"}
    opened = await ana.submit("ticket.open", values)
    assert "+0100" in opened.text  # the partner's own answer: Berlin
    await app.sender().drain()
    [new] = [d.message.plain_text() for d in chats.transport.to(SAM)]
    assert "New ticket T-000001" in new and "first response due" in new
    assert "+0000" in new and "+0100" not in new
