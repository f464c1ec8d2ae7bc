"""The command menu (setMyCommands): the dispatcher's commands, described in each language.

Only commands open to every role are listed: a partner should not see staff commands in the menu.
A language whose descriptions are not translated yet is skipped, so Telegram falls back to English.
"""

from __future__ import annotations

from telegram import Bot, BotCommand

from domain.i18n import _, use_language
from handlers.dispatch import Dispatcher

MENU_LANGUAGES = {"de": "de", "ja": "ja", "pt_BR": "pt"}
"""Our language → Telegram's language_code (two-letter ISO 639-1, so Brazilian Portuguese is `pt`)."""


def menu(dispatcher: Dispatcher) -> list[BotCommand]:
    """The menu in the current language."""
    return [
        BotCommand(name, _(route.help)[:256])
        for name, route in dispatcher.commands.items()
        if route.help and route.roles is None
    ]


async def publish_commands(bot: Bot, dispatcher: Dispatcher) -> None:
    with use_language("en"):
        english = menu(dispatcher)
    await bot.set_my_commands(english)
    for language, code in MENU_LANGUAGES.items():
        with use_language(language):
            translated = menu(dispatcher)
        if [c.description for c in translated] != [c.description for c in english]:
            await bot.set_my_commands(translated, language_code=code)
