"""Counts read right in every language: one thing is singular, several plural (gettext's ngettext)."""

from __future__ import annotations

import pytest

from bot.slack.blocks import message_blocks
from domain.errors import Conflict
from domain.i18n import Nn_, use_language
from handlers.errors import error_reply
from handlers.model import Message

LIMIT = Nn_(
    "Your team already holds %(count)s open lead, its limit. Update or release it first.",
    "Your team already holds %(count)s open leads, its limit. Update or release one first.",
)


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "holds 1 open lead, its limit. Update or release it first."),
        ("en", 5, "holds 5 open leads, its limit."),
        ("de", 1, "bereits 1 offenen Lead"),
        ("de", 5, "bereits 5 offene Leads"),
        ("pt_BR", 1, "já tem 1 lead aberto"),
        ("pt_BR", 5, "já tem 5 leads abertos"),
        ("ja", 1, "上限の 1 件"),
        ("ja", 5, "上限の 5 件"),
    ],
)
def test_a_refusal_with_a_count_uses_the_plural_form_of_its_language(language: str, count: int, expected: str) -> None:
    with use_language(language):
        assert expected in error_reply(Conflict(LIMIT, count=count))


@pytest.mark.parametrize(
    ("language", "message", "max_blocks", "expected"),
    [
        ("en", Message(title="Lead", text="x", fields=[("a", "b")] * 22), 4, "… 2 more parts are not shown"),
        ("de", Message(title="Lead", text="x", fields=[("a", "b")] * 22), 4, "… 2 weitere Teile werden"),
        ("en", Message(text="x", items=["i"] * 3), 1, "… 1 more part is not shown"),
        ("de", Message(text="x", items=["i"] * 3), 1, "… 1 weiterer Teil wird"),
    ],
)
def test_a_message_cut_for_slack_counts_the_parts_it_left_out(
    language: str, message: Message, max_blocks: int, expected: str
) -> None:
    with use_language(language):
        cut = message_blocks(message, max_blocks=max_blocks)
    assert expected in str(cut)
