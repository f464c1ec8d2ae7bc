"""`serve --telegram-polling`: take updates by getUpdates, for operators without a public URL.

Updates go through exactly the path the webhook uses (recorded once, dispatched, answered), so a
switch between the two modes, or a restart that re-fetches a batch, never handles anything twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from telegram import Update
from telegram import error as tg

if TYPE_CHECKING:
    from bot.telegram import TelegramAdapter

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 25
"""Long-poll seconds: Telegram answers at once when there is an update, so this only bounds idling."""
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BACKOFF = 30.0


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _fetch(adapter: TelegramAdapter, offset: int | None, stop: asyncio.Event) -> tuple[Update, ...] | None:
    """One long poll, abandoned as soon as `stop` is set; None means stop."""
    fetch = asyncio.ensure_future(
        adapter.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
    )
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if fetch not in done:
        fetch.cancel()
        await asyncio.gather(fetch, return_exceptions=True)
        return None
    stopper.cancel()
    return fetch.result()


async def _handle_batch(adapter: TelegramAdapter, updates: tuple[Update, ...]) -> None:
    """Chats in parallel, each chat's updates in order (a form's answers must not overtake each other)."""
    by_chat: dict[object, list[Update]] = defaultdict(list)
    for update in updates:
        chat = update.effective_chat
        by_chat[chat.id if chat is not None else update.update_id].append(update)

    async def in_order(batch: list[Update]) -> None:
        for update in batch:
            try:
                work = await adapter.accept(update)
                if work is not None:
                    await work
            except Exception:
                logger.exception("telegram update %s failed", update.update_id)

    await asyncio.gather(*(in_order(batch) for batch in by_chat.values()))


async def run_polling(adapter: TelegramAdapter, stop: asyncio.Event) -> None:
    """Delete the webhook (Telegram refuses getUpdates while one is set), then poll until stopped."""
    backoff = 1.0
    while not stop.is_set():
        try:
            await adapter.bot.delete_webhook(drop_pending_updates=False)
            break
        except tg.TelegramError as exc:
            logger.warning("telegram: deleteWebhook failed (%s); retrying in %.0fs", exc.message, backoff)
            await _sleep_unless_stopped(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
    logger.info("telegram: polling for updates")
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        try:
            updates = await _fetch(adapter, offset, stop)
        except tg.InvalidToken:
            logger.error("telegram: TELEGRAM_BOT_TOKEN was rejected; polling stops")
            return
        except tg.TelegramError as exc:
            if isinstance(exc, tg.Conflict):
                logger.warning("telegram: getUpdates conflict (%s)", exc.message)
            else:
                logger.warning("telegram: getUpdates failed (%s); retrying in %.0fs", exc.message, backoff)
            await _sleep_unless_stopped(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        if updates is None:
            break
        backoff = 1.0
        if updates:
            await _handle_batch(adapter, updates)
            offset = updates[-1].update_id + 1
    logger.info("telegram: polling stopped")
