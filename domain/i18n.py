"""Translation and locale formatting: gettext catalogs (Babel `.po` files) chosen per recipient.

The active language is a context variable, set by the dispatcher for each request and by the sender for
each recipient, so code that builds text just calls `_()` and never passes a locale around. Catalogs are
compiled from the `.po` files in memory at first use: no build step, and no stale `.mo` can ship.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("en", "de", "ja", "pt_BR")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "ja": "日本語", "pt_BR": "Português (Brasil)"}
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("partnerbot_language", default="en")


# Languages by name, as people type them instead of a code (in English and in the language itself).
LANGUAGE_WORDS = {
    "english": "en",
    "englisch": "en",
    "inglês": "en",
    "ingles": "en",
    "英語": "en",
    "german": "de",
    "deutsch": "de",
    "alemão": "de",
    "alemao": "de",
    "ドイツ語": "de",
    "japanese": "ja",
    "japanisch": "ja",
    "japonês": "ja",
    "japones": "ja",
    "日本語": "ja",
    "portuguese": "pt_BR",
    "portugiesisch": "pt_BR",
    "português": "pt_BR",
    "portugues": "pt_BR",
    "brazilian": "pt_BR",
    "ポルトガル語": "pt_BR",
}


def normalize_language(code: str | None) -> str | None:
    """Map what people type (`pt-br`, `DE`, `ja_JP`, `German`, `português`) onto a supported language."""
    if not code:
        return None
    cleaned = code.strip().replace("-", "_")
    lowered = cleaned.lower()
    if lowered.split(" ")[0] in LANGUAGE_WORDS:
        return LANGUAGE_WORDS[lowered.split(" ")[0]]
    for lang in LANGUAGES:
        if lowered == lang.lower():
            return lang
    base = lowered.split("_")[0]
    if base == "pt":
        return "pt_BR"
    return base if base in LANGUAGES else None


@cache
def translations(language: str) -> _gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    lang = normalize_language(language) or "en"
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def set_language(language: str | None) -> None:
    """Switch the language for the rest of the current task (the dispatcher's per-request context)."""
    _current.set(normalize_language(language) or "en")


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the recipient is known."""
    return message


@dataclass(frozen=True)
class Plural:
    """A message with a singular and a plural form, chosen by its `count` parameter when translated."""

    singular: str
    plural: str


def Nn_(singular: str, plural: str) -> Plural:
    """Mark a plural message for extraction (keyword ``Nn_``, like ngettext's two arguments)."""
    return Plural(singular, plural)


def _babel_locale() -> Locale:
    return Locale.parse(_current.get())


def format_datetime(value: dt.datetime, tz_name: str | None = None) -> str:
    return dates.format_datetime(
        value, format="medium", tzinfo=dates.get_timezone(tz_name or "UTC"), locale=_babel_locale()
    )


def format_moment(value: dt.datetime | str | None, tz_name: str | None = None) -> str:
    """A due time as a phone shows it: weekday, day, time and zone ("Mi., 25. Nov. 14:00 MEZ").

    Also an ISO string, as push payloads carry instants; "—" when there is none."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    tz = dates.get_timezone(tz_name or "UTC")
    day = dates.format_skeleton("MMMEd", value, tzinfo=tz, locale=_babel_locale())
    time = dates.format_time(value, "short", tzinfo=tz, locale=_babel_locale())
    zone = dates.format_datetime(value, "z", tzinfo=tz, locale=_babel_locale())
    return f"{day} {time} {zone}"


def format_date(value: dt.date) -> str:
    return dates.format_date(value, format="medium", locale=_babel_locale())


def format_number(value: int | float | Decimal) -> str:
    return numbers.format_decimal(value, locale=_babel_locale())


def format_money(amount: Decimal | float, currency: str) -> str:
    return numbers.format_currency(amount, currency, locale=_babel_locale())


def format_duration(delta: dt.timedelta) -> str:
    return dates.format_timedelta(delta, threshold=1.1, locale=_babel_locale())
