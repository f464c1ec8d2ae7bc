"""pytest fixtures for the fakes; enable with `pytest_plugins = ["tests.fakes.fixtures"]` in the
root conftest (or import the names you need), so every test gets fresh servers on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot

from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest_asyncio.fixture
async def fake_slack() -> AsyncIterator[FakeSlackAPI]:
    """A running fake Slack Web API; point SLACK_API_URL at `fake_slack.url`."""
    async with FakeSlackAPI() as slack:
        yield slack


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramAPI]:
    """A running fake Telegram Bot API; point TELEGRAM_API_URL at `fake_telegram.url`."""
    async with FakeTelegramAPI() as tg:
        yield tg


@pytest_asyncio.fixture
async def slack_client(fake_slack: FakeSlackAPI) -> AsyncIterator[AsyncWebClient]:
    """The real slack_sdk client, wired to the fake with its valid token."""
    client = AsyncWebClient(token=fake_slack.token, base_url=fake_slack.url)
    yield client
    if client.session is not None:
        await client.session.close()


@pytest_asyncio.fixture
async def telegram_bot(fake_telegram: FakeTelegramAPI) -> AsyncIterator[Bot]:
    """The real python-telegram-bot `Bot`, initialised (getMe) against the fake."""
    async with Bot(
        fake_telegram.token, base_url=fake_telegram.base_url, base_file_url=fake_telegram.base_file_url
    ) as bot:
        yield bot
