"""Inputs that are nearly right are helped, not refused (issue #17, item 3): a city for a timezone, quiet
hours typed the short way, a language by its name."""

from __future__ import annotations

import pytest

from domain.calendar import canonical_quiet_hours, suggest_timezone
from domain.i18n import normalize_language
from tests.chat import ChatFactory


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("berlin", "Europe/Berlin"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("tokio", "Asia/Tokyo"),
        ("lisbon", "Europe/Lisbon"),
    ],
)
def test_a_city_suggests_its_timezone(typed: str, meant: str) -> None:
    assert suggest_timezone(typed) == meant


def test_nonsense_suggests_no_timezone() -> None:
    assert suggest_timezone("qqqqqq") is None and suggest_timezone("x" * 5000) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("22-7", "22:00-07:00"),
        ("22:30 - 6", "22:30-06:00"),
        ("20:00-08:00", "20:00-08:00"),
        ("OFF", "off"),
        ("9–17", "09:00-17:00"),
    ],
)
def test_quiet_hours_the_short_way(typed: str, stored: str) -> None:
    assert canonical_quiet_hours(typed) == stored


@pytest.mark.parametrize("typed", ["25-7", "22-22", "22:61-7", "late"])
def test_quiet_hours_that_cannot_be_read_are_still_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        canonical_quiet_hours(typed)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("German", "de"),
        ("deutsch", "de"),
        ("Português", "pt_BR"),
        ("portuguese (brazil)", "pt_BR"),
        ("日本語", "ja"),
        ("English", "en"),
        ("klingon", None),
    ],
)
def test_a_language_by_its_name(typed: str, code: str | None) -> None:
    assert normalize_language(typed) == code


async def test_in_chat(chats: ChatFactory) -> None:
    ana = await chats.linked("ana@acme.example")
    answer = await ana.send("/settings timezone berlin")
    assert "Did you mean Europe/Berlin?" in answer.text and "/settings timezone Europe/Berlin" in answer.text
    saved = await ana.send("/settings quiet 22-7")
    assert "Saved." in saved.text and "22:00-07:00" in saved.text
    assert "Sprache" in (await ana.send("/lang German")).text


async def test_a_form_left_for_half_an_hour_does_not_swallow_the_next_message(chats: ChatFactory) -> None:
    ana = await chats.linked("ana@acme.example")
    await ana.send("/ticket")
    await ana.send("Technical and product")  # now at step 2: severity
    chats.clock.advance(minutes=45)
    later = await ana.send("where is the logo pack")
    assert "No article answers that yet" in later.text  # handled as the question it is
    assert "You were filling in “Open a support ticket”" in later.text and "Severity" in later.text
    going_on = await ana.send("low")  # now answers count again
    assert "step 3 of 5" in going_on.text and "Subject" in going_on.text
    chats.clock.advance(minutes=10)
    assert "step 4 of 5" in (await ana.send("Logo pack missing")).text  # no reminder within 30 minutes
