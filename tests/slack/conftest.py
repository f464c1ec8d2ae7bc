"""A running partnerbot with Slack switched on, talking to the fake Slack Web API over real HTTP.

Requests are signed like Slack signs them and posted to our own `/slack/events` on a free port; each
helper waits for the adapter's acknowledged work (`adapter.idle()`), so tests assert without sleeping.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

import bot.slack
from bot.app import App
from bot.http import build_web_app
from bot.runtime import platform_transports
from bot.slack.adapter import SlackAdapter
from domain.kb import KnowledgeBase
from tests.chat import ChatFactory, Clock, FakeChat, RecordingTransport
from tests.conftest import make_app
from tests.fakes import (
    FakeSlackAPI,
    block_actions_payload,
    event_body,
    event_callback,
    interaction_body,
    slack_signed_request,
    slash_command_body,
    view_submission_payload,
)

SECRET = "test-signing-secret"
ANA = "U0ANA"

ARTICLE = """---
id: portal-password
title: Resetting your portal password
tags: [portal, password, login]
language: en
audience: partner
---
To reset your partner portal password, open the portal login page and choose "Forgot password".
"""


@dataclass
class SlackHarness:
    app: App
    slack: FakeSlackAPI
    client: TestClient[Any, Any]
    clock: Clock

    @property
    def adapter(self) -> SlackAdapter:
        adapter: SlackAdapter = self.app.services["slack"]
        return adapter

    async def post(
        self, body: str, *, headers: dict[str, str] | None = None, timestamp: int | None = None, sign: bool = True
    ) -> ClientResponse:
        """Post like Slack does and wait until the acknowledged work is done."""
        signed = slack_signed_request(SECRET, body, timestamp) if sign else {}
        response = await self.client.post("/slack/events", data=body.encode(), headers={**signed, **(headers or {})})
        await response.read()
        await self.adapter.idle()
        return response

    async def command(self, text: str, *, user: str = ANA, **kwargs: Any) -> ClientResponse:
        kwargs.setdefault("response_url", self.slack.response_url())
        return await self.post(slash_command_body(text, user_id=user, **kwargs))

    async def event(self, event: dict[str, Any], **kwargs: Any) -> ClientResponse:
        return await self.post(event_body(event_callback(event, **kwargs)))

    async def interact(self, payload: dict[str, Any]) -> ClientResponse:
        return await self.post(interaction_body(payload))

    async def press(self, action_id: str, value: str, message: dict[str, Any], channel: str) -> ClientResponse:
        payload = block_actions_payload(
            action_id, value, message=message, channel_id=channel, response_url=self.slack.response_url()
        )
        return await self.interact(payload)

    async def submit(self, callback_id: str, values: dict[str, Any], **kwargs: Any) -> ClientResponse:
        return await self.interact(view_submission_payload(callback_id, values, **kwargs))

    def dm(self, user: str = ANA) -> list[dict[str, Any]]:
        """What the bot posted in its DM with `user`."""
        return self.slack.messages(self.slack.dm_channel(user))

    def dm_text(self, user: str = ANA) -> str:
        return "\n".join(json.dumps(m.get("blocks")) + m["text"] for m in self.dm(user))


@asynccontextmanager
async def running(url: str, clock: Clock, slack: FakeSlackAPI, **settings: Any) -> AsyncIterator[SlackHarness]:
    app = make_app(
        url,
        clock,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        **settings,
    )
    await ChatFactory(app, clock).seed_program()
    bot.slack.install(app)
    await platform_transports(app)
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    try:
        yield SlackHarness(app, slack, client, clock)
    finally:
        await client.close()
        await app.close()


SAM, SUPPORT = "U0SAM", "C0SUPPORT"
PARTNER = "ana@acme.example"
TICKET = {"category": "technical_product", "severity": "high", "subject": "API returns 500", "description": "Since 9"}


@dataclass
class OpenTicket:
    """A ticket the partner opened on the console, with its root message in the support channel."""

    chats: ChatFactory
    partner: FakeChat
    console: RecordingTransport
    root: dict[str, Any]


async def ticket_with_root(desk: SlackHarness) -> OpenTicket:
    chats = ChatFactory(desk.app, desk.clock)
    console = RecordingTransport("console")
    partner = await chats.linked(PARTNER)
    desk.app.transports["console"] = console
    await partner.submit("ticket.open", TICKET)
    await desk.app.sender().drain()
    [root] = desk.slack.messages(SUPPORT)
    return OpenTicket(chats, partner, console, root)


@asynccontextmanager
async def support_desk(url: str, clock: Clock, slack: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """Slack with a support channel (#partner-support) and Sam, a support agent, in the workspace."""
    slack.add_user(SAM, "sam.support@vendor.example", "sam", real_name="Sam Okafor")
    slack.add_channel(SUPPORT, "partner-support")
    async with running(url, clock, slack, PARTNERBOT_SLACK_SUPPORT_CHANNEL=SUPPORT) as harness:
        yield harness


@pytest_asyncio.fixture
async def harness(sqlite_url: str, clock: Clock, fake_slack: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """Slack on SQLite, with Ana (ana@acme.example) known to the fake workspace."""
    fake_slack.add_user(ANA, "ana@acme.example", "ana", real_name="Ana Schmidt")
    async with running(sqlite_url, clock, fake_slack) as h:
        yield h


@pytest_asyncio.fixture
async def harness_db(database_url: str, clock: Clock, fake_slack: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """The same on every database backend (SQLite and PostgreSQL)."""
    fake_slack.add_user(ANA, "ana@acme.example", "ana", real_name="Ana Schmidt")
    async with running(database_url, clock, fake_slack) as h:
        yield h


@pytest_asyncio.fixture
async def kb_harness(harness: SlackHarness, tmp_path: Path) -> SlackHarness:
    """With one KB article, so a question gets an answer with feedback buttons."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "portal-password.md").write_text(ARTICLE, encoding="utf-8")
    await harness.app.deps.services[KnowledgeBase].import_dir(folder, now=harness.clock())
    return harness
