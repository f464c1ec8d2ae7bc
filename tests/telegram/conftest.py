"""Fixtures for Telegram adapter tests: a fake Bot API and our app on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio

from tests.chat import Clock
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.harness import TelegramHarness

HarnessFactory = Callable[..., Awaitable[TelegramHarness]]


@pytest_asyncio.fixture
async def start_harness(clock: Clock) -> AsyncIterator[HarnessFactory]:
    """Start harnesses on any database and fake; all are closed at the end of the test."""
    started: list[TelegramHarness] = []

    async def start(url: str, fake: FakeTelegramAPI, **overrides: Any) -> TelegramHarness:
        harness = await TelegramHarness.start(url, fake, clock, **overrides)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.close()


@pytest_asyncio.fixture
async def tg(start_harness: HarnessFactory, sqlite_url: str, fake_telegram: FakeTelegramAPI) -> TelegramHarness:
    """The usual case: SQLite, the default fake, the demo program loaded; setup calls forgotten."""
    harness = await start_harness(sqlite_url, fake_telegram)
    fake_telegram.reset_calls()
    return harness
