"""`TelegramTransport`: send and edit through python-telegram-bot, with Telegram's failures mapped
onto the sender's vocabulary (wait, retry, give up, message gone) so the sender never sees PTB."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram import error as tg

from bot.telegram.render import PARSE_MODE, render, render_edit
from bot.transport import MessageGone, PermanentError, RetryAfter, TransientError
from handlers.model import Message

logger = logging.getLogger(__name__)

CHAT_INTERVAL = 1.0
"""About one message a second per chat (Telegram's FAQ); bursts get 429s."""
GROUP_INTERVAL = 3.0
"""20 messages a minute per group."""
BOT_INTERVAL = 1 / 30
"""30 messages a second for the whole bot."""

_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
_PERMANENT = ("chat not found", "user not found", "bot was blocked", "user is deactivated", "have no rights")


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def chat_ref(chat_id: str) -> int | str:
    """Numeric ids as int (what Telegram stores), `@channel` names as they are."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def retry_seconds(exc: tg.RetryAfter) -> float:
    """PTB 22 warns that `retry_after` becomes a timedelta; accept both without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@asynccontextmanager
async def mapped_errors(what: str) -> AsyncIterator[None]:
    """Translate PTB exceptions; BadRequest is a NetworkError subclass, so it is checked first."""
    try:
        yield
    except tg.RetryAfter as exc:
        raise RetryAfter(retry_seconds(exc)) from exc
    except tg.BadRequest as exc:
        text = exc.message.lower()
        if any(s in text for s in _GONE):
            raise MessageGone(f"{what}: {exc.message}") from exc
        raise PermanentError(f"{what}: {exc.message}") from exc
    except (tg.Forbidden, tg.ChatMigrated) as exc:
        raise PermanentError(f"{what}: {exc.message}") from exc
    except (tg.TimedOut, tg.NetworkError) as exc:
        raise TransientError(f"{what}: {exc.message}") from exc
    except tg.TelegramError as exc:
        raise TransientError(f"{what}: {exc.message}") from exc


def is_not_modified(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(cause, tg.BadRequest) and "message is not modified" in cause.message.lower()


class TelegramTransport:
    """The sender's view of Telegram; the webhook and polling paths reuse it for direct replies."""

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, message: Message) -> str:
        """Send every part of a long message; the reference is the last part, the one with buttons."""
        message_id = ""
        for part in render(message):
            async with mapped_errors("sendMessage"):
                sent = await self.bot.send_message(
                    chat_id=chat_ref(chat_id),
                    text=part.text,
                    parse_mode=PARSE_MODE,
                    reply_markup=part.markup,
                    link_preview_options=NO_PREVIEW,
                )
            message_id = str(sent.message_id)
        if message.attachment is not None:
            try:
                async with mapped_errors("sendPhoto"):
                    await self.bot.send_photo(
                        chat_id=chat_ref(chat_id),
                        photo=InputFile(message.attachment.content, filename=message.attachment.filename),
                        caption=message.attachment.title[:1024] or None,
                    )
            except (PermanentError, TransientError) as exc:  # the text is delivered; a retry would send it twice
                logger.warning("telegram: %s not sent to %s: %s", message.attachment.filename, chat_id, exc)
        return message_id

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        part = render_edit(message)
        try:
            async with mapped_errors("editMessageText"):
                await self.bot.edit_message_text(
                    text=part.text,
                    chat_id=chat_ref(chat_id),
                    message_id=int(message_id),
                    parse_mode=PARSE_MODE,
                    reply_markup=part.markup,  # type: ignore[arg-type]
                    link_preview_options=NO_PREVIEW,
                )
        except PermanentError as exc:
            if is_not_modified(exc):
                return
            raise

    async def answer_callback(self, query_id: str, text: str = "", *, alert: bool = False) -> None:
        """Stop the button's spinner; Telegram shows at most 200 characters."""
        async with mapped_errors("answerCallbackQuery"):
            await self.bot.answer_callback_query(query_id, text=text[:200] or None, show_alert=alert)

    def limits(self, chat_id: str) -> list[tuple[str, float]]:
        keys = [(f"telegram:chat:{chat_id}", CHAT_INTERVAL), ("telegram:bot", BOT_INTERVAL)]
        if chat_id.startswith("-"):
            keys.append((f"telegram:group:{chat_id}", GROUP_INTERVAL))
        return keys
