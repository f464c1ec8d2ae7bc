"""Amounts typed by people or found in files, read by the writer's language (issue 11, item 8).

"48.000,00" is forty-eight thousand to a German and nonsense to an American; "1,5" is one and a half to a
Brazilian, not fifteen. An amount is read with babel by the person's language, strictly (groups of three),
and also by the other convention (`,` and `.` swapped). One valid reading wins; two different valid
readings ("1,500", "1.500") are refused, offering both, so the person says which they meant; the reading
kept is shown back to them, formatted in their language, before it is saved.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, parse_decimal

from domain.errors import InvalidInput
from domain.i18n import N_

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SHAPE = re.compile(r"[+-]?[0-9][0-9.,]*")
MAX_DIGITS = 18


def _locale(language: str) -> str:
    return language.replace("-", "_") or "en"


def _reading(text: str, locale: str) -> Decimal | None:
    try:
        value = parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, ValueError):
        return None
    return value if value.is_finite() else None


def readings(text: str, language: str) -> list[Decimal]:
    """The distinct valid readings of `text`: by the person's language first, then the other convention."""
    compact = _SPACES.sub("", text or "")
    if not _SHAPE.fullmatch(compact) or sum(c.isdigit() for c in compact) > MAX_DIGITS:
        return []
    own = _locale(language)
    other = "en" if get_decimal_symbol(own) == "," else "de"
    found: list[Decimal] = []
    for locale in (own, other):
        value = _reading(compact, locale)
        if value is not None and value not in found:
            found.append(value)
    return found


def parse_amount(text: str, language: str) -> Decimal:
    """The one reading of `text`, or `InvalidInput`: not a number, or ambiguous (both readings offered)."""
    found = readings(text, language)
    if not found:
        raise InvalidInput(
            N_("%(value)s is not an amount. Type digits, for example %(example)s."),
            value=text,
            example=show_amount(Decimal("48000.50"), language),
        )
    if len(found) > 1:
        first, second = (show_amount(value, language) for value in found)
        raise InvalidInput(
            N_(
                "%(value)s could be %(first)s or %(second)s. Type it again without a thousands separator "
                "(for example %(plain)s)."
            ),
            value=text,
            first=first,
            second=second,
            plain=str(found[0]),
        )
    return found[0]


def show_amount(value: Decimal, language: str) -> str:
    """The amount as the person writes it (`48.000,5` in German), to show back before it is saved."""
    if value.as_tuple().exponent == -2:  # cents typed are cents shown: 72,000.50, not 72,000.5
        return format_decimal(value, format="#,##0.00", locale=_locale(language))
    return format_decimal(value, locale=_locale(language), decimal_quantization=False)
