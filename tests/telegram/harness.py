"""A partnerbot app with Telegram switched on, served on a free port, talking to the fake Bot API.

Tests post updates to our real webhook over HTTP, as Telegram would, and assert on what reached the
fake: the real python-telegram-bot client sits between the two, so nothing of ours is mocked.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.http import build_web_app
from bot.telegram import TelegramAdapter, install
from bot.telegram.webhook import PATH, SECRET_HEADER
from domain import linking
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_updates import tg_start_update, tg_user

SECRET = "s3cret"
BOT_USERNAME = "partner_bot"


def telegram_settings(fake: FakeTelegramAPI, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_BOT_USERNAME": BOT_USERNAME,
    }
    settings.update(overrides)
    return {k: v for k, v in settings.items() if v is not None}


class TelegramHarness:
    """One app + its HTTP server; `post()` delivers an update like Telegram's webhook does."""

    def __init__(self, app: App, fake: FakeTelegramAPI, clock: Clock) -> None:
        self.app = app
        self.fake = fake
        self.clock = clock
        self.server = TestServer(build_web_app(app))
        self.session: aiohttp.ClientSession | None = None

    @classmethod
    async def start(
        cls, url: str, fake: FakeTelegramAPI, clock: Clock, *, seed: bool = True, **overrides: Any
    ) -> TelegramHarness:
        app = make_app(url, clock, **telegram_settings(fake, **overrides))
        if "telegram" not in app.services:  # build_app may install platforms itself one day
            install(app)
        if seed:
            await ChatFactory(app, clock).seed_program()
        for setup in app.services.get("platform_setups", []):
            await setup(app)
        harness = cls(app, fake, clock)
        await harness.server.start_server()
        harness.session = aiohttp.ClientSession()
        return harness

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        await self.server.close()
        await self.app.close()

    @property
    def adapter(self) -> TelegramAdapter:
        adapter: TelegramAdapter = self.app.services["telegram"]
        return adapter

    @property
    def webhook_url(self) -> str:
        return str(self.server.make_url(PATH))

    async def post_raw(self, body: bytes | str, *, secret: str | None = SECRET) -> int:
        assert self.session is not None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with self.session.post(self.webhook_url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
        await self.adapter.idle()
        return status

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> int:
        """Deliver one update; returns our HTTP status once every reply has reached the fake."""
        import json

        return await self.post_raw(json.dumps(update), secret=secret)

    async def link(self, email: str, user: dict[str, Any]) -> None:
        """Link a Telegram user to a person of the demo program with a fresh /start code."""
        async with self.app.uow() as uow:
            issued = await linking.issue_code(uow.session, email, self.clock())
            await uow.commit()
        assert await self.post(tg_start_update(issued.code, user)) == 200
        self.fake.reset_calls()


def ana(user_id: int = 1001, **kwargs: Any) -> dict[str, Any]:
    return tg_user(user_id, "Ana", **kwargs)
