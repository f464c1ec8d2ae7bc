"""`POST /telegram/webhook`: the secret header first, then parsing, then each update once.

The secret is compared in constant time before the body is even read, so a forged request costs us
nothing and learns nothing. Telegram waits for our answer and redelivers on errors or timeouts, so
the work gets a short budget: past it we answer 200 and the work finishes in the background (the
update id is already recorded, so the redelivery this prevents would have been ignored anyway).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from telegram import Update

from bot import metrics
from bot.payloads import PayloadError, load_json
from bot.telegram.requests import PLATFORM

if TYPE_CHECKING:
    from bot.telegram import TelegramAdapter

logger = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RESPONSE_BUDGET = 5.0
"""Seconds of work before we acknowledge anyway; Telegram's own patience is longer, but not stated."""


def _authorised(request: web.Request, secret: str | None) -> bool:
    given = request.headers.get(SECRET_HEADER, "")
    if not secret:
        return False  # no secret configured: the webhook cannot be verified, so it accepts nothing
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode("utf-8"))


def make_handler(adapter: TelegramAdapter) -> web.Handler:
    async def telegram_webhook(request: web.Request) -> web.StreamResponse:
        if not _authorised(request, adapter.webhook_secret):
            metrics.UPDATES.labels(PLATFORM, "unauthorised").inc()
            logger.warning("telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.Response(status=401, text="unauthorised")
        try:
            data = load_json(await request.read())
        except PayloadError as exc:
            metrics.UPDATES.labels(PLATFORM, "malformed").inc()
            logger.warning("telegram webhook: body refused: %s", exc)
            return web.Response(status=400, text="malformed JSON")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            metrics.UPDATES.labels(PLATFORM, "malformed").inc()
            logger.warning("telegram webhook: payload is not an update (no integer update_id)")
            return web.Response(status=400, text="not a Telegram update")
        try:
            update = Update.de_json(data, adapter.bot)
        except Exception:
            metrics.UPDATES.labels(PLATFORM, "malformed").inc()
            logger.warning("telegram webhook: update %s could not be parsed", update_id, exc_info=True)
            return web.Response(status=400, text="not a Telegram update")
        try:
            work = await adapter.accept(update)
        except Exception:
            logger.exception("telegram webhook: could not record update %s; Telegram will redeliver", update_id)
            return web.Response(status=503, text="try again")
        if work is not None:
            task = adapter.spawn(work)
            try:
                await asyncio.wait_for(asyncio.shield(task), RESPONSE_BUDGET)
            except TimeoutError:
                logger.warning("telegram update %s still in progress; acknowledged", update_id)
        return web.Response(status=200)

    return telegram_webhook
