"""What a partner types into the deal form, read the way they meant it (DOMAIN.md "Deal registration").

Amounts by the person's language ("72.000,50" in German, "72,000.50" in English) with the shorthands
people type on a phone ("72k", "1.5M"); currency an ISO 4217 code Babel knows; a close date in the
person's own order ("31.03.2027", "03/31/2027") or ISO, after today in their timezone and within 12
months; the customer's domain reduced to its registrable part from the bundled public-suffix list (no
network: `http://www.acme.co.uk/path` is `acme.co.uk`); the company name keyed for comparison without
legal suffixes and punctuation.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import tldextract
from babel.core import Locale, UnknownLocaleError
from babel.dates import get_date_format
from babel.numbers import list_currencies

from domain import importing as imp
from domain.amounts import parse_amount
from domain.errors import InvalidInput
from domain.i18n import N_

MAX_AMOUNT = Decimal("1000000000000")  # a trillion: anything larger is a typo, not a deal
MAX_COMPANY, MAX_NOTES, MAX_TEXT = 200, 2000, 200
HORIZON_DAYS = 366

_MULTIPLIERS = {"k": Decimal(1000), "m": Decimal(1000000), "mm": Decimal(1000000), "bn": Decimal(10) ** 9}
_SHORTHAND = re.compile(r"^\s*(?P<number>.*?)\s*(?P<unit>k|mm|m|bn)\s*$", re.IGNORECASE)
_CURRENCY_SIGNS = "€$£¥₹₩₽¢"
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot, never the network

LEGAL_SUFFIXES = frozenset(
    "inc incorporated corp corporation co company llc llp lp ltd limited plc gmbh ag kg ohg ug mbh se sa sas sarl "
    "srl spa bv nv oy ab as asa aps kk gk ltda me eireli pty pte bhd sdn group holding holdings the".split()
)


def parse_deal_amount(text: str, language: str) -> Decimal:
    """A positive amount, at most a trillion, two decimals at most; shorthands k, M, bn."""
    raw = (text or "").strip()
    if any(sign in raw for sign in _CURRENCY_SIGNS):
        raise InvalidInput(
            N_(
                "Type only the number, without a currency sign (for example %(example)s); "
                "the currency is its own field."
            ),
            example="72000",
        )
    multiplier = Decimal(1)
    shorthand = _SHORTHAND.match(raw)
    if shorthand:
        raw, multiplier = shorthand["number"], _MULTIPLIERS[shorthand["unit"].lower()]
    if raw.startswith("-"):
        raise InvalidInput(N_("The amount must be more than zero."))
    value = parse_amount(raw, language) * multiplier
    if value <= 0:
        raise InvalidInput(N_("The amount must be more than zero."))
    if value > MAX_AMOUNT:
        raise InvalidInput(N_("%(value)s is more than a deal can be; check the number of digits."), value=text[:40])
    cents = value.quantize(Decimal("0.01"))
    return cents.quantize(Decimal(1)) if cents == cents.to_integral_value() else cents


def check_currency(text: str) -> str:
    code = (text or "").strip().upper()
    if code not in list_currencies():
        raise InvalidInput(
            N_("%(value)s is not a currency code; use three letters such as EUR or USD."), value=text[:20]
        )
    return code


def _date_order(language: str) -> str:
    """ "dmy", "mdy" or "ymd": the order of the person's short date format."""
    try:
        pattern = get_date_format("short", locale=Locale.parse(language.replace("-", "_") or "en")).pattern
    except (UnknownLocaleError, ValueError):
        pattern = "M/d/yy"
    order = [c for c in pattern.lower() if c in "dmy"]
    return "".join(dict.fromkeys(order)) or "mdy"


def parse_date(text: str, language: str, today: dt.date) -> dt.date:
    """ISO (2027-03-31) or the person's own order; a date without a year is the next one to come."""
    raw = (text or "").strip()
    not_a_date = InvalidInput(
        N_("%(value)s is not a date. Use YYYY-MM-DD, for example %(example)s."),
        value=raw[:40],
        example=(today + dt.timedelta(days=60)).isoformat(),
    )
    parts = re.split(r"[./\-\s]+", raw.strip(". /-"))
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts) or len(parts) not in (2, 3):
        raise not_a_date
    order = "ymd" if len(parts[0]) == 4 else _date_order(language)
    if len(parts) == 2:
        order = "".join(c for c in order if c != "y")
    fields = {key: int(value) for key, value in zip(order, parts, strict=True)}
    year = fields.get("y", today.year)
    if year < 100:
        year += 2000
    try:
        found = dt.date(year, fields["m"], fields["d"])
        if "y" not in fields and found <= today:
            found = dt.date(year + 1, fields["m"], fields["d"])
    except (ValueError, KeyError, OverflowError):
        raise not_a_date from None
    return found


def check_close_date(value: dt.date, today: dt.date) -> dt.date:
    if value <= today:
        raise InvalidInput(N_("The close date must be after today (%(today)s)."), today=today.isoformat())
    if value > today + dt.timedelta(days=HORIZON_DAYS):
        raise InvalidInput(
            N_("The close date must be within 12 months (by %(last)s)."),
            last=(today + dt.timedelta(days=HORIZON_DAYS)).isoformat(),
        )
    return value


def registrable_domain(text: str) -> str:
    """`http://www.acme.co.uk/path` → `acme.co.uk`; an address without a known public suffix is refused."""
    raw = (text or "").strip().lower()
    if "@" in raw:
        raw = raw.rsplit("@", 1)[1]
    try:
        host = raw.encode("idna").decode("ascii") if raw and not raw.isascii() else raw
    except UnicodeError:
        host = ""
    found = _EXTRACT(host) if host and len(host) <= 300 else None
    registered = found.top_domain_under_public_suffix if found else ""
    if found and not found.suffix and found.subdomain:  # a TLD the list does not know (`.example`, `.internal`)
        registered = f"{found.subdomain.rsplit('.', 1)[-1]}.{found.domain}"
    labels = registered.split(".") if registered else []
    if not registered or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise InvalidInput(
            N_("%(value)s is not a domain; type the customer's web address, like acme.com."), value=text[:80]
        )
    return registered


def company_words(name: str) -> list[str]:
    """The words that name the customer: lower case, accents and punctuation gone, legal suffixes dropped."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").lower()
    plain = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", plain)  # S.A. → sa, K.K. → kk
    words = re.findall(r"[a-z0-9]+", plain)
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return kept or words


def company_key(name: str) -> str:
    return " ".join(company_words(name))[:MAX_COMPANY]


GENERIC_WORDS = frozenset(
    "global systems system solutions solution services service technologies technology tech group international "
    "consulting digital data software networks network partners partner industries enterprises management "
    "software media labs solutions and of de do da la le the company".split()
)
"""Words so many company names share that indexing them would make every look-up read a large slice of the
table; they still count in the name score."""


def name_tokens(key: str) -> set[str]:
    """What indexes a company key for the conflict look-up (see `DealNameToken`): each distinctive word (all
    words when a name has only generic ones) and, from four letters on, the word with each one letter left
    out, so a name with one typo in a word still shares a token with the original (a deletion index)."""
    words = [word for word in key.split() if len(word) >= 2]
    distinctive = [word for word in words if word not in GENERIC_WORDS] or words
    tokens = set()
    for word in (w[:20] for w in distinctive):
        tokens.add(word)
        if len(word) >= 4:  # one typo (a letter dropped, doubled, changed or swapped) leaves one of these shared
            tokens |= {word[:i] + word[i + 1 :] for i in range(len(word))}
    return tokens


def check_email(text: str) -> str:
    value = (text or "").strip()
    try:
        return imp.email(value).lower()
    except ValueError:
        raise InvalidInput(N_("%(value)s is not an email address."), value=value[:80]) from None


def bounded(text: str, limit: int, field: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(N_("%(field)s is required."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            N_("%(field)s can be at most %(max)s characters (you sent %(length)s)."),
            field=field,
            max=limit,
            length=len(value),
        )
    return value
