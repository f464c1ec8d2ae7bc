"""Telegram `Update` → neutral `Request`: translation only, no I/O and no decisions.

Anything we do not act on (edited messages, channel posts, stickers, photos, member changes,
messages from bots, group chatter that is not a command for us) translates to None and is
acknowledged without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat as TgChat
from telegram import Update
from telegram import User as TgUser

from handlers.model import Chat, ChatKind, Request

PLATFORM = "telegram"


@dataclass(frozen=True)
class Incoming:
    """What to dispatch, and the callback query to answer (every one is answered, exactly once)."""

    request: Request | None
    callback_query_id: str | None = None
    replied_to: str | None = None
    """The id of our message this text replies to (Telegram's reply_to_message), looked up before dispatch."""


def start_link(bot_username: str | None, code: str) -> str | None:
    """The deep link that opens the bot and sends `/start CODE`: one tap links a phone."""
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


@dataclass(frozen=True)
class Translator:
    """Knows our bot's username, to tell `/cmd@OurBot` from a command meant for another bot."""

    bot_username: str | None = None

    @property
    def private_chat_url(self) -> str | None:
        return f"https://t.me/{self.bot_username}" if self.bot_username else None

    def translate(self, update: Update) -> Incoming | None:
        if update.callback_query is not None:
            return self._callback(update)
        message = update.message
        if message is None or message.text is None or message.from_user is None:
            return None
        if message.from_user.is_bot or message.via_bot is not None:
            return None
        chat = self._chat(message.chat)
        if chat is None:
            return None
        text = message.text.strip()
        if text.startswith("/") and len(text) > 1:
            head, *rest = text[1:].split(None, 1)
            args = rest[0] if rest else ""
            name, _, addressee = head.partition("@")
            if addressee and not self._is_us(addressee):
                return None
            if not name:
                return None
            return Incoming(self._request(chat, message.from_user, "command", name=name.lower(), args=args.strip()))
        if not chat.is_private:
            return None
        replied = message.reply_to_message
        ours = replied is not None and replied.from_user is not None and replied.from_user.is_bot
        return Incoming(
            self._request(chat, message.from_user, "text", args=text),
            replied_to=str(replied.message_id) if ours and replied is not None else None,
        )

    def _callback(self, update: Update) -> Incoming:
        query = update.callback_query
        assert query is not None
        source = query.message
        tg_chat = source.chat if source is not None else None
        chat = self._chat(tg_chat) if tg_chat is not None else Chat(PLATFORM, str(query.from_user.id))
        if chat is None or query.from_user.is_bot or not query.data:
            return Incoming(None, query.id)
        action, _, value = query.data.partition("|")
        request = self._request(
            chat,
            query.from_user,
            "action",
            name=action,
            value=value,
            message_id=str(source.message_id) if source is not None else None,
        )
        return Incoming(request, query.id)

    def _is_us(self, addressee: str) -> bool:
        return self.bot_username is not None and addressee.lower() == self.bot_username.lower()

    @staticmethod
    def _chat(chat: TgChat) -> Chat | None:
        if chat.type == TgChat.PRIVATE:
            return Chat(PLATFORM, str(chat.id), ChatKind.PRIVATE)
        if chat.type in (TgChat.GROUP, TgChat.SUPERGROUP):
            return Chat(PLATFORM, str(chat.id), ChatKind.GROUP)
        if chat.type == TgChat.CHANNEL:  # only a button on a channel post comes from one, with its presser
            return Chat(PLATFORM, str(chat.id), ChatKind.CHANNEL)
        return None

    def _request(self, chat: Chat, user: TgUser, kind: str, **fields: str | None) -> Request:
        return Request(
            chat=chat,
            user_id=str(user.id),
            kind=kind,  # type: ignore[arg-type]
            username=user.username,
            display_name=user.full_name,
            platform_language=user.language_code,
            supports_modals=False,
            private_chat_url=self.private_chat_url,
            raw=None,
            **fields,  # type: ignore[arg-type]
        )
