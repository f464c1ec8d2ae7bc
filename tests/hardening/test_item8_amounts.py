"""Issue 11, item 8: amounts are read by the writer's language; ambiguity is refused with both readings;
the value kept is shown back before it is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from domain.amounts import parse_amount, show_amount
from domain.errors import InvalidInput
from domain.i18n import _, use_language
from handlers import forms
from handlers.model import FormField
from tests.chat import ChatFactory
from tests.leads.helpers import import_leads, lead, lead_row


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("48.000,00", "de", Decimal("48000.00")),
        ("48.000,00", "en", Decimal("48000.00")),  # only one convention reads it: German
        ("1,5", "en", Decimal("1.5")),  # not 15
        ("1,5", "pt_BR", Decimal("1.5")),
        ("48,000.50", "de", Decimal("48000.50")),
        ("1 500,25", "de", Decimal("1500.25")),
        ("1500", "ja", Decimal("1500")),
    ],
)
def test_item8_amounts_are_read_by_language(text: str, language: str, value: Decimal) -> None:
    assert parse_amount(text, language) == value


@pytest.mark.parametrize(
    ("text", "language", "shown"),
    [("1,500", "en", ("1,500", "1.5")), ("1.500", "de", ("1.500", "1,5")), ("2.250", "pt_BR", ("2.250", "2,25"))],
)
def test_item8_ambiguous_amounts_are_refused_with_both_readings(
    text: str, language: str, shown: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused, use_language(language):
        parse_amount(text, language)
    message = _(refused.value.message) % refused.value.params
    assert shown[0] in message and shown[1] in message


@pytest.mark.parametrize("text", ["abc", "1e5", "--3", "1,2,3", "", "12345678901234567890"])
def test_item8_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text, "en")


def test_item8_a_form_shows_the_amount_back_in_the_persons_notation() -> None:
    field = FormField("value", "Deal value", kind="number")
    with use_language("de"):
        value = forms.parse_value(field, "48.000,5")
        assert Decimal(value) == Decimal("48000.5")
        assert "48.000,5" in (forms.shown_back(field, value) or "")


async def test_item8_lead_file_amounts_are_read_not_mangled(app: App, chats: ChatFactory) -> None:
    _, errors = await import_leads(
        app,
        [lead_row("A-1", estimated_value="48.000,00"), lead_row("A-2", estimated_value="1,5")],
    )
    assert errors == []
    assert (await lead(app, "A-1")).estimated_value == 48000.0
    assert (await lead(app, "A-2")).estimated_value == 1.5
    result, errors = await import_leads(app, [lead_row("A-3", estimated_value="1,500")])
    assert result is None and "could be 1,500 or 1.5" in str(errors[0])


@settings(max_examples=200, deadline=None)
@given(
    value=st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False),
    language=st.sampled_from(["en", "de", "ja", "pt_BR"]),
)
def test_property_an_amount_shown_back_reads_back_as_itself(value: Decimal, language: str) -> None:
    shown = show_amount(value, language)
    try:
        assert parse_amount(shown, language) == value
    except InvalidInput as refused:  # "1,500" shown to an English speaker is honestly ambiguous
        assert "could be" in refused.message


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30), language=st.sampled_from(["en", "de", "ja", "pt_BR"]))
def test_property_any_text_is_an_amount_or_one_clear_refusal(text: str, language: str) -> None:
    try:
        assert isinstance(parse_amount(text, language), Decimal)
    except InvalidInput:
        pass
