"""Telegram's text formatting parsers (MarkdownV2, legacy Markdown, HTML), ported closely enough
that the fake rejects what the Bot API rejects, with the same "can't parse entities" wording.

The parsers follow tdlib's rules (td/telegram/MessageEntity.cpp): what counts as reserved, how
entities open and close, and the byte offsets quoted in errors. They return the plain text and
entities the real API would store, so the fake's length limit applies after parsing, as Telegram's
does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

RESERVED_V2 = "_*[]()~`>#+-=|{}.!"
TDLIB_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text does not parse; str() is tdlib's reason (the API prefixes "can't parse entities: ")."""


@dataclass
class _Open:
    type: str
    byte_offset: int
    offset: int
    extra: dict[str, str] = field(default_factory=dict)


class _Out:
    """Accumulates parsed text and its length in UTF-16 code units (Telegram's entity unit)."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.u16 = 0

    def add(self, text: str) -> None:
        for ch in text:
            self.chars.append(ch)
            self.u16 += 2 if ord(ch) > 0xFFFF else 1

    def text_since(self, u16_offset: int) -> str:
        out, seen = [], 0
        for ch in self.chars:
            if seen >= u16_offset:
                out.append(ch)
            seen += 2 if ord(ch) > 0xFFFF else 1
        return "".join(out)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")


def _entity(opened: _Open, end: int) -> Entity:
    entity: Entity = {"type": opened.type, "offset": opened.offset, "length": end - opened.offset}
    entity.update(opened.extra)
    return entity


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into (plain text, entities) or raise EntityParseError like tdlib does."""
    out, stack, entities = _Out(), list[_Open](), list[Entity]()
    i, n = 0, len(text)

    def at(k: int) -> str:
        return text[k] if k < n else ""

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        top = stack[-1].type if stack else None
        reserved = "`" if top in ("code", "pre") else RESERVED_V2
        if ch not in reserved:
            out.add(ch)
            i += 1
            continue
        if ch == ">" and (i == 0 or text[i - 1] == "\n") and top is None:
            i += 1  # block quote marker at the start of a line; the quote entity is not modelled
            continue
        is_end = (
            (top == "bold" and ch == "*")
            or (top == "italic" and ch == "_" and at(i + 1) != "_")
            or (top == "code" and ch == "`")
            or (top == "pre" and text.startswith("```", i))
            or (top in ("text_link", "custom_emoji") and ch == "]")
            or (top == "underline" and ch == "_" and at(i + 1) == "_")
            or (top == "strikethrough" and ch == "~")
            or (top == "spoiler" and ch == "|" and at(i + 1) == "|")
        )
        if not is_end:
            opened = _Open("", _byte_offset(text, i), out.u16)
            if ch == "_" and at(i + 1) == "_":
                opened.type, i = "underline", i + 1
            elif ch == "_":
                opened.type = "italic"
            elif ch == "*":
                opened.type = "bold"
            elif ch == "~":
                opened.type = "strikethrough"
            elif ch == "|" and at(i + 1) == "|":
                opened.type, i = "spoiler", i + 1
            elif ch == "[":
                opened.type = "text_link"
            elif ch == "!" and at(i + 1) == "[":
                opened.type, i = "custom_emoji", i + 1
            elif ch == "`" and text.startswith("```", i):
                opened.type, i = "pre", i + 3
                end = i
                while end < n and not text[end].isspace() and text[end] != "`":
                    end += 1
                if end != i and end < n and text[end] != "`":
                    opened.extra["language"], i = text[i:end], end
                if at(i) in ("\n", "\r"):
                    i += 2 if at(i + 1) in ("\n", "\r") and at(i + 1) != at(i) else 1
                i -= 1
            elif ch == "`":
                opened.type = "code"
            else:
                raise _reserved(ch)
            stack.append(opened)
            i += 1
            continue
        opened = stack.pop()
        if opened.type in ("underline", "spoiler"):
            i += 1
        elif opened.type == "pre":
            i += 2
        elif opened.type in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                if opened.type == "custom_emoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                opened.extra["url"] = out.text_since(opened.offset)
            else:
                i += 2
                url_begin, url = _byte_offset(text, i), []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        url.append(text[i + 1])
                        i += 2
                        continue
                    url.append(text[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
                if opened.type == "custom_emoji":
                    opened.extra["custom_emoji_id"] = "".join(url).rpartition("id=")[2]
                else:
                    opened.extra["url"] = "".join(url)
        i += 1
        if out.u16 > opened.offset:
            entities.append(_entity(opened, out.u16))
    if stack:
        opened = stack[-1]
        raise EntityParseError(
            f"Can't find end of {TDLIB_NAMES[opened.type]} entity at byte offset {opened.byte_offset}"
        )
    return "".join(out.chars), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_LEGACY = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown (parse_mode="Markdown"): no nesting, only * _ ` ``` [..](..)."""
    out, entities = _Out(), list[Entity]()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in _LEGACY:
            out.add(ch)
            i += 1
            continue
        begin, start = _byte_offset(text, i), out.u16
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
            out.add(text[i + 3 : end])
            kind, i = "pre", end + 3
        elif ch == "[":
            close = text.find("]", i + 1)
            if close < 0 or at_paren(text, close) is None:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
            url_end = at_paren(text, close)
            assert url_end is not None
            out.add(text[i + 1 : close])
            entities.append(
                {
                    "type": "text_link",
                    "offset": start,
                    "length": out.u16 - start,
                    "url": text[close + 2 : url_end],
                }
            )
            i = url_end + 1
            continue
        else:
            end = text.find(ch, i + 1)
            if end < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
            out.add(text[i + 1 : end])
            kind, i = _LEGACY[ch], end + 1
        if out.u16 > start:
            entities.append({"type": kind, "offset": start, "length": out.u16 - start})
    return "".join(out.chars), entities


def at_paren(text: str, close: int) -> int | None:
    """Index of the ")" ending a "(url)" right after `close`, or None."""
    if not text.startswith("(", close + 1):
        return None
    end = text.find(")", close + 2)
    return end if end >= 0 else None


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset; unknown or unbalanced tags fail as they do in the Bot API."""
    out, stack, entities = _Out(), list[tuple[str, _Open]](), list[Entity]()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            match = re.match(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text[i:])
            if match and html.unescape(match.group(0)) != match.group(0):
                out.add(html.unescape(match.group(0)))
                i += match.end()
                continue
            out.add(ch)
            i += 1
            continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue
        offset = _byte_offset(text, i)
        match = _TAG.match(text, i)
        if match is None:
            raise EntityParseError(f"Unsupported start tag at byte offset {offset}")
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if not closing:
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
            attrs = {
                m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(match.group(3))
            }
            opened = _Open(_HTML_TAGS[tag], offset, out.u16)
            if tag == "a":
                opened.extra["url"] = attrs.get("href", "")
            elif tag == "tg-emoji":
                opened.extra["custom_emoji_id"] = attrs.get("emoji-id", "")
            elif tag == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
            stack.append((tag, opened))
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
            expected, opened = stack.pop()
            if expected != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", found "</{tag}>"'
                )
            if opened.type == "text_link" and not opened.extra["url"]:
                opened.extra["url"] = out.text_since(opened.offset)
            if out.u16 > opened.offset:
                entities.append(_entity(opened, out.u16))
        i = match.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out.chars), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Dispatch on parse_mode as the Bot API does (case-insensitive); None means plain text."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode == "html":
        return parse_html(text)
    raise ValueError(parse_mode)
