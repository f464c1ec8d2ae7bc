"""Telegram update → neutral request: translation only, checked on real PTB `Update` objects."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.telegram.requests import Translator
from handlers.model import ChatKind
from tests.fakes.telegram_updates import (
    tg_callback_query_update,
    tg_group_chat,
    tg_message_update,
    tg_start_update,
    tg_user,
)

translator = Translator("partner_bot")


def translate(data: dict[str, Any]) -> Any:
    return translator.translate(Update.de_json(data, None))  # type: ignore[arg-type]


def test_deep_link_start_carries_the_code_and_the_user() -> None:
    incoming = translate(tg_start_update("AbC-12_x", tg_user(1001, username=None, language_code="pt-br")))
    req = incoming.request
    assert (req.kind, req.name, req.args) == ("command", "start", "AbC-12_x")
    assert req.user_id == req.chat.chat_id == "1001" and req.username is None
    assert req.platform == "telegram" and req.platform_language == "pt-br"
    assert req.supports_modals is False and req.private_chat_url == "https://t.me/partner_bot"


def test_commands_with_addressee_and_newlines() -> None:
    req = translate(tg_message_update("/KB@Partner_Bot how do\nI register")).request
    assert (req.name, req.args) == ("kb", "how do\nI register")
    assert translate(tg_message_update("/kb@other_bot x")) is None


def test_text_in_private_is_text_and_in_a_group_is_ignored() -> None:
    req = translate(tg_message_update("how do I register a deal?")).request
    assert (req.kind, req.args) == ("text", "how do I register a deal?")
    assert translate(tg_message_update("hello all", chat=tg_group_chat())) is None
    group_command = translate(tg_message_update("/settings", chat=tg_group_chat())).request
    assert group_command.chat.kind is ChatKind.GROUP and group_command.chat.chat_id.startswith("-100")


def test_callback_query_becomes_an_action_on_its_message() -> None:
    update = tg_callback_query_update("lead.claim|L-42|x")
    incoming = translate(update)
    req = incoming.request
    assert incoming.callback_query_id == update["callback_query"]["id"]
    assert (req.kind, req.name, req.value) == ("action", "lead.claim", "L-42|x")
    assert req.message_id == str(update["callback_query"]["message"]["message_id"])


def test_callback_without_data_is_still_answered() -> None:
    update = tg_callback_query_update("x")
    del update["callback_query"]["data"]
    incoming = translate(update)
    assert incoming.request is None and incoming.callback_query_id == update["callback_query"]["id"]


def test_messages_from_bots_are_ignored() -> None:
    bot_user = {"id": 5, "is_bot": True, "first_name": "B", "username": "b_bot"}
    assert translate(tg_message_update("/help", bot_user)) is None
