"""A thread reply is recorded as handled while its thread's root is looked up, and still handled once:
Slack's retry of the same event, sent before or after the first delivery finished, reaches the partner
once, and a reply in a thread that is not ours is recorded and ignored.

Slack is the fake Web API over real HTTP with signed events; the partner is on the console.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import func, select

from domain.models import ProcessedUpdate
from tests.chat import Clock, RecordingTransport
from tests.fakes import FakeSlackAPI, event_body, event_callback, message_event, slack_signed_request
from tests.slack.conftest import SAM, SECRET, SUPPORT, SlackHarness, support_desk, ticket_with_root

ANA = "ana@acme.example"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest_asyncio.fixture
async def desk(sqlite_url: str, clock: Clock, fake_slack: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    async with support_desk(sqlite_url, clock, fake_slack) as harness:
        yield harness


async def _ticket_root(desk: SlackHarness, clock: Clock) -> tuple[RecordingTransport, str]:
    opened = await ticket_with_root(desk)
    console, root = opened.console, opened.root
    await desk.event(message_event("/help", user=SAM, channel="D0SAM"))  # Sam's first DM links him by email
    return console, str(root["ts"])


def _replies_to_ana(console: RecordingTransport, text: str) -> int:
    return sum(text in sent.current.plain_text() for sent in console.to(ANA))


async def _recorded(desk: SlackHarness) -> int:
    async with desk.app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_a_retried_thread_reply_reaches_the_partner_once(desk: SlackHarness, clock: Clock) -> None:
    console, root = await _ticket_root(desk, clock)
    reply = message_event("Fixed on our side.", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=root)
    body = event_body(event_callback(reply, event_id="Ev0THREAD1"))
    before = await _recorded(desk)

    async def post(headers: dict[str, str]) -> int:
        signed = slack_signed_request(SECRET, body)
        response = await desk.client.post("/slack/events", data=body.encode(), headers={**signed, **headers})
        await response.read()
        return response.status

    # The retry arrives while the first delivery is still being looked up and recorded, then once more after.
    assert await asyncio.gather(post({}), post(RETRY)) == [200, 200]
    await desk.adapter.idle()
    assert await post(RETRY) == 200
    await desk.adapter.idle()
    await desk.app.sender().drain()
    assert _replies_to_ana(console, "Fixed on our side.") == 1
    assert await _recorded(desk) == before + 1
    said = [m["text"] for m in desk.slack.replies(SUPPORT, root) if "Sent to the partner" in m["text"]]
    assert len(said) == 1


async def test_a_reply_in_a_thread_that_is_not_ours_is_recorded_and_ignored(desk: SlackHarness, clock: Clock) -> None:
    console, _root = await _ticket_root(desk, clock)
    chatter = desk.slack.post_as_user(SUPPORT, SAM, "lunch?")
    before = await _recorded(desk)
    reply = message_event("yes", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=chatter)
    assert (await desk.event(reply)).status == 200
    await desk.app.sender().drain()
    assert _replies_to_ana(console, "yes") == 0
    assert not [m for m in desk.slack.replies(SUPPORT, chatter) if m.get("bot_id")]
    assert await _recorded(desk) == before + 1
