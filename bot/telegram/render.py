"""Neutral `Message` → Telegram HTML text and keyboards, within Telegram's limits.

Telegram rejects a text over 4,096 characters ("message is too long") and callback data over 64
bytes (BUTTON_DATA_INVALID); both would lose the whole message, so they are handled here: long text
is split at line boundaries (the buttons go on the last part), and a button whose data cannot fit
is dropped and logged. Every piece of text is HTML-escaped, so user or article text can never break
the markup.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from domain.i18n import _
from handlers.model import Button, Message

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_PARTS = 5
"""A reply longer than this many messages is cut: nobody scrolls through more in a chat."""
PARSE_MODE = "HTML"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Part:
    """One Telegram message: HTML text and the keyboard under it (only the last part has one)."""

    text: str
    markup: Markup | None = None


@dataclass(frozen=True)
class _Line:
    """A line of visible text and the tag it is wrapped in; lines are never split inside a tag."""

    raw: str
    tag: str | None = None

    def html(self) -> str:
        body = html.escape(self.raw, quote=False)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag and body else body


def visible_length(text: str) -> int:
    """Telegram counts text length in UTF-16 code units, so emoji count twice."""
    return len(text.encode("utf-16-le")) // 2


def callback_data(button: Button) -> str | None:
    """`action|value`, or None when it would exceed Telegram's 64 bytes (the button is then dropped)."""
    data = f"{button.action}|{button.value}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        logger.warning("dropping button %r: callback data is %d bytes", button.action, len(data.encode("utf-8")))
        return None
    return data


def _inline_button(button: Button) -> InlineKeyboardButton | None:
    label = button.label.strip() or "…"
    if button.url:
        return InlineKeyboardButton(label, url=button.url)
    if not button.action:
        logger.warning("dropping button %r: neither an action nor a url", button.label)
        return None
    data = callback_data(button)
    return InlineKeyboardButton(label, callback_data=data) if data else None


def inline_keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """Buttons of one action share a row (Read 1 · Read 2 · Read 3); others pair up when short."""
    rows: list[list[InlineKeyboardButton]] = []
    previous: Button | None = None
    for button in buttons:
        rendered = _inline_button(button)
        if rendered is None:
            continue
        last = rows[-1] if rows else None
        same_action = previous is not None and previous.action == button.action and not button.url
        both_short = previous is not None and len(previous.label) <= 16 and len(button.label) <= 16
        if last is not None and ((same_action and len(last) < 4) or (both_short and len(last) < 2)):
            last.append(rendered)
        else:
            rows.append([rendered])
        previous = button
    return InlineKeyboardMarkup(rows) if rows else None


def reply_keyboard(suggestions: list[str]) -> ReplyKeyboardMarkup | None:
    """Suggested answers as a one-time keyboard, two to a row, so a form choice is one tap."""
    labels = [s for s in suggestions if s.strip()]
    if not labels:
        return None
    rows = [[KeyboardButton(label) for label in labels[i : i + 2]] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)


def _lines(message: Message) -> list[_Line]:
    blocks: list[list[_Line]] = []
    head: list[_Line] = []
    if message.title:
        head.append(_Line(message.title, "b"))
    if message.text:
        head.extend(_Line(line) for line in message.text.split("\n"))
    if head:
        blocks.append(head)
    if message.fields:
        blocks.append([_Line(f"{label}: {value}") for label, value in message.fields])
    if message.items:
        blocks.append([_Line(f"• {item}") for item in message.items])
    if message.footer:
        blocks.append([_Line(line, "i") for line in message.footer.split("\n")])
    lines: list[_Line] = []
    for block in blocks:
        if lines:
            lines.append(_Line(""))
        lines.extend(block)
    return lines


def _cut(raw: str, room: int) -> tuple[str, str]:
    """Split one over-long line within `room` code units, at a space when there is one."""
    head = raw[:room]
    while visible_length(head) > room:
        head = head[:-1]
    space = head.rfind(" ")
    if space > room // 2:
        head = head[:space]
    return head, raw[len(head) :].lstrip(" ")


def _chunks(lines: list[_Line], room: int) -> list[list[_Line]]:
    chunks: list[list[_Line]] = [[]]
    used = 0
    pending = list(lines)
    while pending:
        line = pending.pop(0)
        size = visible_length(line.raw) + (1 if chunks[-1] else 0)
        if used + size <= room:
            chunks[-1].append(line)
            used += size
            continue
        if chunks[-1] and visible_length(line.raw) <= room:
            chunks.append([])
            used = 0
            pending.insert(0, line)
            continue
        # The line alone is longer than a message: fill what is left and carry the rest over.
        left = room - used - (1 if chunks[-1] else 0)
        if left < 20:
            chunks.append([])
            used = 0
            pending.insert(0, line)
            continue
        head, tail = _cut(line.raw, left)
        chunks[-1].append(_Line(head, line.tag))
        chunks.append([])
        used = 0
        if tail:
            pending.insert(0, _Line(tail, line.tag))
    return [_trim(chunk) for chunk in chunks if _trim(chunk)]


def _trim(chunk: list[_Line]) -> list[_Line]:
    start, end = 0, len(chunk)
    while start < end and not chunk[start].raw.strip():
        start += 1
    while end > start and not chunk[end - 1].raw.strip():
        end -= 1
    return chunk[start:end]


def _join(chunk: list[_Line]) -> str:
    return "\n".join(line.html() for line in chunk)


def render(message: Message) -> list[Part]:
    """The Telegram messages that show `message`: one, or several when the text is too long."""
    continued = _("(continued in the next message)")
    shortened = _("(shortened: the rest did not fit in a chat message)")
    room = MAX_TEXT - max(visible_length(continued), visible_length(shortened)) - 2
    chunks = _chunks(_lines(message), room) or [[_Line("…")]]
    if len(chunks) > MAX_PARTS:
        logger.warning("reply of %d messages cut to %d", len(chunks), MAX_PARTS)
        chunks = chunks[:MAX_PARTS]
        chunks[-1] = [*chunks[-1], _Line(""), _Line(shortened, "i")]
    markup: Markup | None = inline_keyboard(message.buttons)
    if markup is None:
        markup = reply_keyboard(message.suggestions)
    parts = [Part(_join(chunk) + "\n\n" + html.escape(continued, quote=False)) for chunk in chunks[:-1]]
    parts.append(Part(_join(chunks[-1]), markup))
    return parts


def render_edit(message: Message) -> Part:
    """One message for editMessageText: an edit cannot become several messages, so it is shortened."""
    parts = render(message)
    markup = inline_keyboard(message.buttons)
    if len(parts) == 1:
        return Part(parts[0].text, markup)
    shortened = html.escape(_("(shortened: the rest did not fit in a chat message)"), quote=False)
    first = parts[0].text.rsplit("\n\n", 1)[0]
    return Part(f"{first}\n\n<i>{shortened}</i>", markup)
