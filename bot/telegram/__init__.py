"""The Telegram adapter: python-telegram-bot behind our own aiohttp app, translation only.

`install(app)` wires it into the application: a transport for the sender, the webhook route, a
polling loop (used with `serve --telegram-polling`), start-up (getMe, command menu) and shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

# Opt in to PTB 22's coming timedelta durations (`retry_after`), which `retry_seconds` reads either
# way: otherwise every 429 logs a deprecation warning that no operator can act on.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Bot, Update
from telegram import error as tg

from bot import metrics
from bot.app import App
from bot.leases import run_leased
from bot.telegram.commands import publish_commands
from bot.telegram.http import AiohttpRequest
from bot.telegram.polling import POLL_TIMEOUT, run_polling
from bot.telegram.requests import PLATFORM, Translator
from bot.telegram.transport import TelegramTransport
from bot.telegram.updates import UpdateProcessor
from bot.telegram.webhook import PATH, make_handler

__all__ = ["TelegramAdapter", "TelegramTransport", "install"]

logger = logging.getLogger(__name__)
POLLING_LEASE = "telegram polling"


class _Bot(Bot):
    """PTB's Bot, except that shutting down always closes its connection pools: PTB skips that for a
    Bot whose start-up getMe never succeeded, and ours are open by then (and warn if left so)."""

    async def shutdown(self) -> None:
        await super().shutdown()
        await asyncio.gather(*(request.shutdown() for request in self._request))


def make_bot(token: str, api_url: str) -> Bot:
    """A Bot whose calls go to {api_url}/bot{token}/{method} over aiohttp (`bot.telegram.http` says
    why not PTB's httpx); long polls get their own connection."""
    root = api_url.rstrip("/")
    return _Bot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=AiohttpRequest(connection_pool_size=128, read_timeout=15.0, pool_timeout=10.0),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=POLL_TIMEOUT + 10.0),
    )


class TelegramAdapter:
    """Everything Telegram-specific one app needs, created by `install`."""

    def __init__(self, app: App, bot: Bot) -> None:
        settings = app.settings
        self.app = app
        self.bot = bot
        self.transport = TelegramTransport(bot)
        self.processor = UpdateProcessor(app, self.transport)
        self.translator = Translator(settings.telegram_bot_username)
        secret = settings.telegram_webhook_secret
        self.webhook_secret = secret.get_secret_value() if secret is not None else None
        self._tasks: set[asyncio.Task[str]] = set()
        self._ready = False

    async def setup(self, app: App) -> None:
        """Start-up: check the token (getMe) and publish the command menu."""
        await self.ensure_ready()
        try:
            await publish_commands(self.bot, app.dispatcher)
        except tg.TelegramError as exc:
            logger.warning("telegram: could not set the command menu: %s", exc.message)

    async def ensure_ready(self) -> None:
        if self._ready:
            return
        try:
            await self.bot.initialize()
        except tg.InvalidToken:
            # PTB's own message quotes the token; secrets are never logged.
            raise RuntimeError("TELEGRAM_BOT_TOKEN: rejected by the Telegram Bot API") from None
        except tg.TelegramError as exc:
            logger.warning("telegram: getMe failed (%s); will try again on first use", exc.message)
            return
        self._ready = True
        if self.translator.bot_username is None and self.bot.username:
            self.translator = Translator(self.bot.username)
        logger.info("telegram: running as @%s", self.bot.username)

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(PATH, make_handler(self))

    async def accept(self, update: Update) -> Coroutine[Any, Any, str] | None:
        """The work for an update, or None when it is ignored or was seen before (recorded here)."""
        try:
            incoming = self.translator.translate(update)
        except Exception:
            # A payload shape we did not foresee must not make Telegram redeliver it forever.
            logger.exception("telegram update %s could not be translated; ignored", update.update_id)
            metrics.UPDATES.labels(PLATFORM, "error").inc()
            return None
        if incoming is None:
            metrics.UPDATES.labels(PLATFORM, "ignored").inc()
            return None
        sender = incoming.request.user_id if incoming.request is not None else None
        fresh, person = await self.processor.log.first_time(update.update_id, sender)
        if not fresh:
            metrics.UPDATES.labels(PLATFORM, "duplicate").inc()
            logger.info("telegram update %s seen before; ignored", update.update_id)
            return None
        return self.processor.process(update, incoming, person)

    def spawn(self, work: Coroutine[Any, Any, str]) -> asyncio.Task[str]:
        """Keep a reference, so work that outlives its webhook request is neither collected nor lost."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def idle(self) -> None:
        """Wait for work still running after its webhook was acknowledged (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def poll(self, app: App, stop: asyncio.Event) -> None:
        """The background task: polls only when `serve --telegram-polling` asked for it, and only in the
        process that holds the polling lease (Telegram answers two callers of getUpdates with 409)."""
        if not app.services.get("telegram_polling"):
            return
        await self.ensure_ready()

        async def polling(lost: asyncio.Event) -> None:
            await run_polling(self, lost)

        await run_leased(app.uow, POLLING_LEASE, polling, stop)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.idle(), timeout=10)
        except TimeoutError:
            logger.warning("telegram: %d updates still in progress at shutdown", len(self._tasks))
        await self.bot.shutdown()


def install(app: App) -> None:
    """Switch Telegram on for this app (called when TELEGRAM_BOT_TOKEN is set)."""
    token = app.settings.telegram_bot_token
    if token is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN: required to install the Telegram adapter")
    adapter = TelegramAdapter(app, make_bot(token.get_secret_value(), app.settings.telegram_api_url))
    app.services["telegram"] = adapter
    app.transports[PLATFORM] = adapter.transport
    app.services.setdefault("platform_setups", []).append(adapter.setup)
    app.services.setdefault("http_mounts", []).append(adapter.mount)
    app.services.setdefault("background", []).append(adapter.poll)
    app.services.setdefault("closers", []).append(adapter.close)
