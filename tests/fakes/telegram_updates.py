"""Builders for the Telegram updates our webhook and polling loop receive.

Commands carry the `bot_command` entity Telegram adds (PTB's CommandHandler relies on it), and ids
come from counters well above the fake API's own message ids so they never collide.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

Update = dict[str, Any]

_update_ids = itertools.count(100_000)
_message_ids = itertools.count(100_000)
_query_ids = itertools.count(1)


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def tg_user(
    user_id: int = 1001,
    first_name: str = "Ana",
    *,
    username: str | None = "ana",
    last_name: str | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    """A human Telegram user; username=None builds a user without a username (common, and easy to forget)."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def tg_private_chat(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat with a user (its id equals the user's id)."""
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    return chat


def tg_group_chat(
    chat_id: int = -1001234567890, title: str = "Acme partners", *, type: str = "supergroup"
) -> dict[str, Any]:
    """A group, supergroup or channel chat."""
    return {"id": chat_id, "type": type, "title": title}


def tg_message(
    text: str | None,
    from_user: dict[str, Any] | None = None,
    chat: dict[str, Any] | None = None,
    *,
    message_id: int | None = None,
    date: int | None = None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Message; text starting with "/" gets the bot_command entity Telegram adds."""
    from_user = from_user or tg_user()
    message: dict[str, Any] = {
        "message_id": message_id or next(_message_ids),
        "from": from_user,
        "chat": chat or tg_private_chat(from_user),
        "date": date or int(time.time()),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def tg_message_update(
    text: str,
    from_user: dict[str, Any] | None = None,
    chat: dict[str, Any] | None = None,
    *,
    update_id: int | None = None,
    message_id: int | None = None,
) -> Update:
    """A user wrote `text` in a private chat (default) or in `chat` (a group)."""
    return {
        "update_id": update_id or next(_update_ids),
        "message": tg_message(text, from_user, chat, message_id=message_id),
    }


def tg_start_update(code: str | None = None, from_user: dict[str, Any] | None = None) -> Update:
    """/start with an optional deep-link code, as https://t.me/bot?start=CODE delivers it."""
    return tg_message_update(f"/start {code}" if code else "/start", from_user)


def tg_callback_query_update(
    data: str,
    from_user: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    *,
    query_id: str | None = None,
    update_id: int | None = None,
) -> Update:
    """A button press; pass `tg.message(chat_id, message_id)` as `message` to press a button the bot sent."""
    from_user = from_user or tg_user()
    query: dict[str, Any] = {
        "id": query_id or f"{from_user['id']}{next(_query_ids):08d}",
        "from": from_user,
        "chat_instance": f"-{abs(hash((from_user['id'], 'chat'))) % 10**18}",
        "data": data,
    }
    query["message"] = message or tg_message(
        "…", {"id": 123456789, "is_bot": True, "first_name": "Bot"}, tg_private_chat(from_user)
    )
    return {"update_id": update_id or next(_update_ids), "callback_query": query}


def tg_edited_message_update(
    text: str,
    message_id: int,
    from_user: dict[str, Any] | None = None,
    chat: dict[str, Any] | None = None,
) -> Update:
    """The user edited an earlier message of theirs."""
    message = tg_message(text, from_user, chat, message_id=message_id, date=int(time.time()) - 60)
    message["edit_date"] = int(time.time())
    return {"update_id": next(_update_ids), "edited_message": message}


def tg_channel_post_update(text: str, chat: dict[str, Any] | None = None) -> Update:
    """A post in a channel the bot administers: no `from`, a `sender_chat` instead."""
    chat = chat or tg_group_chat(-1009876543210, "Announcements", type="channel")
    return {
        "update_id": next(_update_ids),
        "channel_post": {
            "message_id": next(_message_ids),
            "sender_chat": chat,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        },
    }


def tg_sticker_update(from_user: dict[str, Any] | None = None, chat: dict[str, Any] | None = None) -> Update:
    """A sticker: a message with no text at all."""
    message = tg_message(None, from_user, chat)
    message["sticker"] = {
        "file_id": "CAACAgIAAxkBAAFakeSticker",
        "file_unique_id": "AgADFakeSticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return {"update_id": next(_update_ids), "message": message}


def tg_photo_update(
    from_user: dict[str, Any] | None = None, chat: dict[str, Any] | None = None, *, caption: str | None = None
) -> Update:
    """A photo, optionally with a caption (which is not `text`)."""
    message = tg_message(None, from_user, chat)
    message["photo"] = [
        {
            "file_id": f"AgACFakePhoto{size}",
            "file_unique_id": f"AQADFake{size}",
            "width": size,
            "height": size,
            "file_size": size * 40,
        }
        for size in (90, 320, 800)
    ]
    if caption:
        message["caption"] = caption
    return {"update_id": next(_update_ids), "message": message}
