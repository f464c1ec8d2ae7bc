"""The support channel on Slack: a ticket's root message, an agent's thread replies reaching the partner,
`note:` staying internal, the partner's words landing in the thread, and a reply on a closed ticket.

Slack is the fake Web API over real HTTP with signed events; the partner is on the console.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import select

from domain.people import by_identity
from domain.tickets.models import Ticket
from tests.chat import ChatFactory, Clock, RecordingTransport
from tests.fakes import FakeSlackAPI, block_actions_payload, message_event, reaction_added_event
from tests.slack.conftest import SAM, SUPPORT, TICKET, SlackHarness, support_desk, ticket_with_root

ANA = "ana@acme.example"


@pytest_asyncio.fixture
async def desk(sqlite_url: str, clock: Clock, fake_slack: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    async with support_desk(sqlite_url, clock, fake_slack) as harness:
        yield harness


async def test_agent_thread_replies_reach_the_partner_and_the_partner_lands_in_the_thread(
    desk: SlackHarness, clock: Clock
) -> None:
    chats = ChatFactory(desk.app, clock)
    console = RecordingTransport("console")
    ana = await chats.linked(ANA)
    desk.app.transports["console"] = console

    async def deliver() -> None:
        await desk.app.sender().drain()

    assert "T-000001" in (await ana.submit("ticket.open", TICKET)).text
    await deliver()
    [root] = desk.slack.messages(SUPPORT)
    assert "T-000001" in root["text"] and "Acme Cloud Resellers" in root["text"]

    await desk.event(message_event("/help", user=SAM, channel="D0SAM"))  # Sam's first DM links him by email
    await desk.event(
        message_event(
            "Please retry; we rolled back the deploy.",
            user=SAM,
            channel=SUPPORT,
            channel_type="channel",
            thread_ts=root["ts"],
        )
    )
    await desk.event(
        message_event(
            "note: rollback was INC-77", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=root["ts"]
        )
    )
    await deliver()
    partner = "\n".join(d.current.plain_text() for d in console.to(ANA))
    assert "Reply on your ticket T-000001" in partner and "we rolled back the deploy" in partner
    assert "INC-77" not in partner
    said_in_thread = [m["text"] for m in desk.slack.replies(SUPPORT, root["ts"])]
    assert any("Sent to the partner on T-000001" in t for t in said_in_thread)
    assert any("Note kept on T-000001" in t for t in said_in_thread)

    await ana.send("/ticket T-000001 Still failing for EU customers.")
    await deliver()
    in_thread = [m["text"] for m in desk.slack.replies(SUPPORT, root["ts"])]
    assert any("Still failing for EU customers." in t for t in in_thread)
    assert "Sam Okafor" in desk.slack.messages(SUPPORT)[0]["text"]  # the root was edited: Sam answered first


async def test_a_thread_reply_on_a_closed_ticket_tells_the_agent_and_sends_the_partner_nothing(
    desk: SlackHarness, clock: Clock
) -> None:
    opened = await ticket_with_root(desk)
    chats, ana, console, root = opened.chats, opened.partner, opened.console, opened.root
    await desk.event(message_event("/help", user=SAM, channel="D0SAM"))
    await desk.event(message_event("Fixed.", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=root["ts"]))
    sam = chats.stranger(SAM, platform="slack")
    assert "resolved" in (await sam.press("ticket.resolve", "T-000001")).text
    await ana.press("ticket.confirm", "T-000001")
    await desk.app.sender().drain()
    before = len(console.to(ANA))
    await desk.event(
        message_event("One more thing", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=root["ts"])
    )
    await desk.app.sender().drain()
    assert len(console.to(ANA)) == before
    assert any("is closed; the partner was not sent this" in m["text"] for m in desk.slack.replies(SUPPORT, root["ts"]))


async def test_a_ticket_reaction_opens_one_ticket_from_a_partners_message(desk: SlackHarness) -> None:
    desk.slack.add_user("U0ANA", ANA, "ana", real_name="Ana Schmidt")
    desk.slack.add_channel("C0SHARED", "acme-shared")
    await desk.event(message_event("/help", user="U0ANA", channel="D0ANA"))  # Ana links by her email
    await desk.event(message_event("/help", user=SAM, channel="D0SAM"))
    ts = desk.slack.post_as_user("C0SHARED", "U0ANA", "Our SSO login fails since this morning\nError 403 on /sso")
    reaction = reaction_added_event("ticket", user=SAM, channel="C0SHARED", ts=ts, item_user="U0ANA")
    await desk.event(reaction)
    await desk.event({**reaction, "event_ts": "1700009999.000100"})  # the same reaction again
    async with desk.app.uow.reader() as uow:
        [ticket] = (await uow.session.scalars(select(Ticket))).all()
    assert ticket.subject == "Our SSO login fails since this morning" and "Error 403" in ticket.description
    said = [m["text"] for m in desk.slack.replies("C0SHARED", ts)]
    assert any("Ticket T-000001 is open for Ana Schmidt" in t for t in said)
    assert any("already ticket T-000001" in t for t in said)
    other = desk.slack.post_as_user("C0SHARED", SAM, "internal musing")
    await desk.event(reaction_added_event("ticket", user=SAM, channel="C0SHARED", ts=other, item_user=SAM))
    async with desk.app.uow.reader() as uow:
        assert len((await uow.session.scalars(select(Ticket))).all()) == 1


async def test_the_ticket_modal_shows_articles_for_the_subject(desk: SlackHarness) -> None:
    from domain.kb import KnowledgeBase
    from handlers.kb import ARTICLES
    from tests.fakes import block_actions_payload

    await desk.app.deps.services[KnowledgeBase].import_dir(ARTICLES, now=desk.app.deps.now())
    desk.slack.add_user("U0ANA", ANA, "ana", real_name="Ana Schmidt")
    await desk.event(message_event("/help", user="U0ANA", channel="D0ANA"))  # Ana links by her email
    await desk.command("ticket", user="U0ANA", trigger_id="T0TRIGGER")
    [view] = desk.slack.views.values()
    subject = next(b for b in view["blocks"] if b.get("block_id") == "subject")
    assert view["callback_id"] == "ticket.open" and subject["dispatch_action"] is True

    pressed = block_actions_payload("subject", user_id="U0ANA", view=view, action_type="plain_text_input")
    pressed["actions"][0]["value"] = "how do I register a deal"
    await desk.interact(pressed)
    updated = desk.slack.views[view["id"]]
    shown = str(updated["blocks"])
    assert "Does one of these answer it?" in shown and "How to register a deal" in shown
    assert [b.get("block_id") for b in updated["blocks"] if b["type"] == "input"] == [
        "category",
        "severity",
        "subject",
        "description",
        "related",
    ]


async def test_an_agent_who_never_wrote_to_the_bot_is_known_by_email_in_the_thread(
    desk: SlackHarness, clock: Clock
) -> None:
    """Sam answers in the ticket's thread, and presses its buttons, before ever opening a DM with the bot:
    Slack vouches for his email, so he is linked to his DM as a first private contact would be."""
    opened = await ticket_with_root(desk)
    console, root = opened.console, opened.root
    reply = message_event("Which region is the tenant in?", user=SAM, channel=SUPPORT, thread_ts=root["ts"])
    reply["channel_type"] = "channel"
    assert (await desk.event(reply)).status == 200
    await desk.app.sender().drain()
    assert any("Which region is the tenant in?" in d.current.plain_text() for d in console.to(ANA))
    root_now = desk.slack.messages(SUPPORT)[0]["text"]
    assert "Sam Okafor" in root_now and "in progress" in root_now  # his answer put him on it
    async with desk.app.uow.reader() as uow:
        sam = await by_identity(uow.session, "slack", SAM)
    assert sam is not None and sam.email == "sam.support@vendor.example"
    assert desk.slack.dm_channel(SAM) in [i.chat_id for i in sam.identities if i.platform == "slack"]

    desk.slack.add_user("U0MARIA", "maria.manager@vendor.example", "maria", real_name="Maria Rossi")
    press = block_actions_payload(
        "ticket.escalate",
        "T-000001",
        user_id="U0MARIA",
        message=desk.slack.messages(SUPPORT)[0],
        channel_id=SUPPORT,
        response_url=desk.slack.response_url(),
    )
    assert (await desk.interact(press)).status == 200
    await desk.adapter.idle()
    await desk.app.sender().drain()
    assert "escalated" in desk.slack.messages(SUPPORT)[0]["text"]  # the manager's press counted


async def test_a_stranger_in_the_support_channel_is_not_linked(desk: SlackHarness, clock: Clock) -> None:
    """Someone in the workspace whose email is not in the program gets nothing from a reply in the thread."""
    opened = await ticket_with_root(desk)
    console, root = opened.console, opened.root
    desk.slack.add_user("U0EVE", "eve@elsewhere.example", "eve", real_name="Eve")
    reply = message_event("hello partner", user="U0EVE", channel=SUPPORT, thread_ts=root["ts"])
    reply["channel_type"] = "channel"
    assert (await desk.event(reply)).status == 200
    await desk.app.sender().drain()
    assert not any("hello partner" in d.current.plain_text() for d in console.to(ANA))
    async with desk.app.uow.reader() as uow:
        assert await by_identity(uow.session, "slack", "U0EVE") is None
