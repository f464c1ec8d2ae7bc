"""Rendering neutral messages within Telegram's limits: escaping, keyboards, splitting."""

from __future__ import annotations

import logging

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.telegram.render import MAX_TEXT, render, render_edit, visible_length
from handlers.model import Button, Message
from tests.fakes.telegram_markup import parse_text


def visible(html_text: str) -> str:
    """What the user sees, parsed exactly as the fake (and Telegram) parse HTML."""
    text, _entities = parse_text(html_text, "HTML")
    return text


def test_every_piece_of_text_is_escaped() -> None:
    message = Message(
        title="<b>Deals & Co</b>",
        text="if a < b && c > d",
        fields=[("Company", "Smith & <Sons>")],
        items=["<script>alert(1)</script>"],
        footer="Reply <here>",
    )
    (part,) = render(message)
    assert part.text.startswith("<b>&lt;b&gt;Deals &amp; Co&lt;/b&gt;</b>")
    assert "<i>Reply &lt;here&gt;</i>" in part.text
    shown = visible(part.text)
    assert "Company: Smith & <Sons>" in shown and "• <script>alert(1)</script>" in shown
    assert "if a < b && c > d" in shown


def test_buttons_become_an_inline_keyboard_with_action_and_value() -> None:
    message = Message(
        text="Lead L-42",
        buttons=[
            Button("Claim", "lead.claim", "L-42"),
            Button("Docs", url="https://example.com/docs"),
        ],
        suggestions=["ignored when there are inline buttons"],
    )
    (part,) = render(message)
    assert isinstance(part.markup, InlineKeyboardMarkup)
    flat = [b for row in part.markup.inline_keyboard for b in row]
    assert flat[0].callback_data == "lead.claim|L-42"
    assert flat[1].url == "https://example.com/docs" and flat[1].callback_data is None


def test_callback_data_over_64_bytes_drops_the_button(caplog: pytest.LogCaptureFixture) -> None:
    fits = "é" * ((64 - len("kb.helpful|")) // 2)  # two bytes each in UTF-8
    message = Message(
        text="x",
        buttons=[Button("Too long", "kb.helpful", "é" * 30), Button("Fits", "kb.helpful", fits)],
    )
    with caplog.at_level(logging.WARNING):
        (part,) = render(message)
    assert isinstance(part.markup, InlineKeyboardMarkup)
    (button,) = [b for row in part.markup.inline_keyboard for b in row]
    assert button.text == "Fits" and len(str(button.callback_data).encode()) <= 64
    assert "dropping button" in caplog.text


def test_suggestions_become_a_one_time_keyboard() -> None:
    (part,) = render(Message(text="Language?", suggestions=["English", "Deutsch", "日本語"]))
    assert isinstance(part.markup, ReplyKeyboardMarkup)
    assert part.markup.one_time_keyboard and part.markup.resize_keyboard
    assert [[b.text for b in row] for row in part.markup.keyboard] == [["English", "Deutsch"], ["日本語"]]


def test_long_text_is_split_at_lines_with_buttons_on_the_last_part() -> None:
    paragraphs = [f"Paragraph {i}: " + "lorem <ipsum> & dolor " * 20 for i in range(30)]
    message = Message(title="Guide", text="\n\n".join(paragraphs), buttons=[Button("Helpful", "kb.helpful", "1")])
    parts = render(message)
    assert len(parts) > 1
    for part in parts[:-1]:
        assert part.markup is None and "(continued in the next message)" in part.text
    assert isinstance(parts[-1].markup, InlineKeyboardMarkup)
    shown = [visible(p.text) for p in parts]
    assert all(visible_length(s) <= MAX_TEXT for s in shown)
    assert all(sum(p.strip() in s for s in shown) == 1 for p in paragraphs)  # nothing lost, nothing cut


def test_one_huge_line_is_cut_at_spaces_and_emoji_count_twice() -> None:
    line = "🙂 word " * 2000  # 14,000 UTF-16 code units without a newline
    parts = render(Message(text=line))
    assert len(parts) >= 3
    for part in parts:
        assert visible_length(visible(part.text)) <= MAX_TEXT


def test_absurdly_long_replies_are_cut_with_a_pointer() -> None:
    parts = render(Message(text="\n".join("y" * 4000 for _ in range(20))))
    assert len(parts) == 5
    assert "(shortened" in parts[-1].text


def test_an_edit_is_one_message() -> None:
    part = render_edit(Message(text="\n".join("z" * 3000 for _ in range(3)), buttons=[Button("Ok", "nudge.done", "1")]))
    assert visible_length(visible(part.text)) <= MAX_TEXT and "(shortened" in part.text
    assert isinstance(part.markup, InlineKeyboardMarkup)


def test_empty_message_still_has_text() -> None:
    (part,) = render(Message(buttons=[Button("Open", url="https://t.me/partner_bot")]))
    assert visible(part.text).strip()
