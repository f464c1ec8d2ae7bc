"""The deal form's readers take any text a person or a file can send: a value, or a clear refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commissions.statement import parse_period
from domain.deals.validation import (
    MAX_AMOUNT,
    company_key,
    parse_date,
    parse_deal_amount,
    registrable_domain,
)
from domain.errors import InvalidInput

TODAY = dt.date(2026, 12, 4)
LANGUAGES = st.sampled_from(["en", "de", "ja", "pt_BR"])
NUMBERISH = st.text(alphabet="0123456789.,-+ kKmMbne€$'\u00a0", max_size=30)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), NUMBERISH), language=LANGUAGES)
def test_an_amount_is_positive_and_bounded_or_refused_clearly(text: str, language: str) -> None:
    try:
        value = parse_deal_amount(text, language)
    except InvalidInput:
        return
    assert isinstance(value, Decimal) and 0 < value <= MAX_AMOUNT and value == value.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.text(alphabet="0123456789./- ", max_size=12)), language=LANGUAGES)
def test_a_date_is_a_real_date_or_refused_clearly(text: str, language: str) -> None:
    try:
        assert isinstance(parse_date(text, language, TODAY), dt.date)
    except InvalidInput:
        pass


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=80), st.from_regex(r"(https?://)?[a-zA-Z0-9.-]{1,30}(/[a-z]*)?", fullmatch=True))
)
def test_a_domain_is_lowercase_ascii_with_a_dot_or_refused_clearly(text: str) -> None:
    try:
        domain = registrable_domain(text)
    except InvalidInput:
        return
    assert domain == domain.lower() and domain.isascii() and "." in domain and "/" not in domain


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400))
def test_any_company_name_has_a_bounded_key(text: str) -> None:
    key = company_key(text)
    assert len(key) <= 200 and key == key.strip()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=20))
def test_a_period_is_yyyy_mm_or_refused_clearly(text: str) -> None:
    try:
        period = parse_period(text, TODAY)
    except InvalidInput:
        return
    year, month = period.split("-")
    assert len(year) == 4 and 1 <= int(month) <= 12
