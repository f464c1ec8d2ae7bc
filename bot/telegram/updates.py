"""One incoming update, from webhook or polling alike: record it once, dispatch it, deliver the answer.

The update id is stored under the database's unique key before anything else happens, so a
redelivery (Telegram retries when it gets no 200 in time) or a second `serve` process on the same
PostgreSQL database recognises it and does nothing. Every callback query is answered, exactly once,
also when the answer is a refusal or an error, so no button keeps spinning.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from telegram import Update

from bot import metrics
from bot.app import App
from bot.message_refs import ref_key_of
from bot.telegram.requests import PLATFORM, Incoming
from bot.telegram.transport import TelegramTransport
from bot.transport import DeliveryError, MessageGone, RetryAfter, TransientError
from domain.people import PersonView
from domain.updates import first_deliveries_from
from handlers.errors import unexpected_reply
from handlers.model import (
    CloseForm,
    Edit,
    FormErrors,
    InPrivate,
    Message,
    Notice,
    OpenForm,
    Reply,
    ReplyItem,
    Request,
)

logger = logging.getLogger(__name__)

Admission = tuple[bool, PersonView | None]
"""Whether an update is new, and its sender as looked up when it was recorded."""

REPLY_ATTEMPTS = 3
MAX_REPLY_WAIT = 30.0
"""A 429 asking for longer than this is not waited out inside an update; the reply is dropped, logged."""


def _insert(app: App) -> Any:
    return postgresql.insert if app.engine.dialect.name == "postgresql" else sqlite.insert


class UpdateLog:
    """Records update ids before handling, batching concurrent ones into one INSERT (group commit), and
    reads who sent them in the same transaction.

    Under load one transaction then serves many updates instead of two each (the record, then the
    dispatcher's look-up of the person), which is most of the database cost of an update that only
    asks for `/help`.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._waiting: list[tuple[str, str | None, asyncio.Future[Admission]]] = []
        self._flushing = False
        self._task: asyncio.Task[None] | None = None

    async def first_time(self, update_id: int, sender: str | None = None) -> Admission:
        """Whether the id is new (False when recorded before, by this process or by another one) and,
        for a new one, the person whose linked account `sender` is (None when nobody's)."""
        future: asyncio.Future[Admission] = asyncio.get_running_loop().create_future()
        self._waiting.append((str(update_id), sender, future))
        if not self._flushing:
            self._flushing = True
            self._task = asyncio.ensure_future(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    fresh, people = await self._record({key: sender for key, sender, _ in batch})
                except Exception as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for key, sender, future in batch:
                    if not future.done():
                        new = key in fresh
                        future.set_result((new, people.get(sender) if new and sender else None))
                    fresh.discard(key)  # the same id twice in one batch: only the first is new
        finally:
            self._flushing = False

    async def _record(self, senders: dict[str, str | None]) -> tuple[set[str], dict[str, PersonView]]:
        return await first_deliveries_from(self.app.uow, PLATFORM, senders, self.app.deps.now())


async def _with_retries(call: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Direct replies are not in the outbox: wait out a short 429 or a blip, then give up loudly."""
    for attempt in range(1, REPLY_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            metrics.RATE_LIMITED.labels(PLATFORM).inc()
            if exc.seconds > MAX_REPLY_WAIT or attempt == REPLY_ATTEMPTS:
                raise
            await asyncio.sleep(exc.seconds)
        except TransientError:
            if attempt == REPLY_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
    raise AssertionError(f"unreachable: {what}")


class UpdateProcessor:
    """Shared by the webhook and the polling loop, so both behave exactly alike."""

    def __init__(self, app: App, transport: TelegramTransport) -> None:
        self.app = app
        self.transport = transport
        self.log = UpdateLog(app)

    async def process(self, update: Update, incoming: Incoming, sender: PersonView | None = None) -> str:
        """Handle an update already known to be new; returns the outcome for metrics and logs.

        `sender` is the person as read when the update was recorded; None has the dispatcher look."""
        started = time.perf_counter()
        outcome = "handled"
        answered = incoming.callback_query_id is None
        try:
            items: list[ReplyItem] = []
            if incoming.request is not None and incoming.replied_to is not None:
                request = incoming.request
                key = await ref_key_of(self.app.uow, PLATFORM, request.chat.chat_id, incoming.replied_to)
                incoming = dataclasses.replace(incoming, request=dataclasses.replace(request, reply_to=key))
            if incoming.request is not None:
                items = await self.app.dispatcher.handle(incoming.request, person=sender)
            if not answered:
                answered = True
                await self._answer(incoming.callback_query_id or "", items)
            if incoming.request is not None:
                await self.deliver(incoming.request, items)
        except Exception:
            outcome = "error"
            text = unexpected_reply(f"telegram update {update.update_id}")
            if not answered:
                answered = True
                await self._answer(incoming.callback_query_id or "", [Notice(text, alert=True)])
            elif incoming.request is not None:
                await self.deliver(incoming.request, [Reply(Message(text=text))])
        finally:
            metrics.HANDLER_LATENCY.labels(PLATFORM).observe(time.perf_counter() - started)
            metrics.UPDATES.labels(PLATFORM, outcome).inc()
        return outcome

    async def _answer(self, query_id: str, items: list[ReplyItem]) -> None:
        notices = [i for i in items if isinstance(i, Notice)]
        text = "\n".join(n.text for n in notices)
        try:
            await _with_retries(
                lambda: self.transport.answer_callback(query_id, text, alert=any(n.alert for n in notices)),
                "answerCallbackQuery",
            )
        except DeliveryError as exc:
            logger.warning("could not answer callback query: %s", exc)

    async def deliver(self, req: Request, items: list[ReplyItem]) -> None:
        """Send replies in order; a reply that cannot be delivered is logged, the rest still go."""
        chat_id = req.chat.chat_id
        for item in items:
            try:
                if isinstance(item, Reply):
                    await self._send(chat_id, item.message)
                elif isinstance(item, Edit):
                    await self._edit(chat_id, item.message_id or req.message_id, item.message)
                elif isinstance(item, Notice) and req.kind != "action":
                    await self._send(chat_id, Message(text=item.text))
                elif isinstance(item, InPrivate):
                    await self.deliver(dataclasses.replace(req, chat=item.chat, message_id=None), item.items)
                elif isinstance(item, OpenForm):
                    logger.error(
                        "OpenForm for %s reached the Telegram adapter; forms go field by field", item.spec.name
                    )
                elif isinstance(item, (FormErrors, CloseForm, Notice)):
                    continue
            except DeliveryError as exc:
                logger.warning("reply to telegram chat %s not delivered: %s", chat_id, exc)

    async def _send(self, chat_id: str, message: Message) -> None:
        await _with_retries(lambda: self.transport.send(chat_id, message), "sendMessage")

    async def _edit(self, chat_id: str, message_id: str | None, message: Message) -> None:
        if message_id is None:
            await self._send(chat_id, message)
            return
        try:
            await _with_retries(lambda: self.transport.edit(chat_id, message_id, message), "editMessageText")
        except MessageGone:
            await self._send(chat_id, message)
