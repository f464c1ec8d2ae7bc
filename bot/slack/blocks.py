"""Neutral messages and forms rendered as Slack Block Kit, inside Slack's limits.

Every string of a message is data for Slack (`escape_data`): `&`, `<`, `>` become entities, so `<!channel>`,
`<@U…>` or `<https://evil.example|label>` typed by a user or imported in a file is shown, never pinged or
linked; mrkdwn has no escape for `*`, `_`, `~` and backticks, so a zero-width space on both sides of each
one that could open or close a span keeps it literal; `@channel`, `@here` and `@everyone` get one after
the `@`, a line starting with `>` one before it (no quote), and `](` one inside: Markdown-style
`[text](url)` is never turned into a link, except in `Markdown` text (a KB article body, written by the
program's authors). Markup comes only from the structure: header, bold field labels, context footer.
`plain_text` objects (headers, buttons, modal labels) are never parsed by Slack and need no escaping.
Limits are applied here rather than discovered as `invalid_blocks`: section
text ≤ 3,000 characters (split into several sections), ≤ 10 fields per section, ≤ 25 buttons per actions
block, ≤ 50 blocks per message (the rest is cut with a pointer), header ≤ 150, top-level `text` ≤ 40,000.

Buttons: Slack wants an `action_id` to be unique within its block, and a message may show the same
contract action twice (three "kb.article" buttons). A repeated action id is suffixed with `#n`
(n = the button's position in the message); `action_from_slack` strips the suffix when the press comes
back. Contract action ids never contain `#`. Link buttons get action id `open_url#n`; presses on them are
acknowledged and ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from domain.i18n import _, ngettext
from handlers.model import Button, FormField, FormSpec, Markdown, Message

logger = logging.getLogger(__name__)

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_MAX = 150
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
CONTEXT_TEXT_MAX = 2000
TOP_TEXT_MAX = 40_000
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
MAX_OPTIONS = 100
INPUT_MAX_LENGTH = 3000
LINK_ACTION = "open_url"
SUFFIX = "#"

_LINK_MD = re.compile(r"\[([^\]\n]{1,200})\]\((https?://[^)\s]{1,2000})\)")
_BOLD_MD = re.compile(r"\*\*([^*\n]+)\*\*")
_HEADING_MD = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
ZWSP = "\u200b"
_FORMAT_CHARS = "*_~`"
_SPECIAL_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_QUOTE_START = re.compile(r"^(?=&gt;)", re.MULTILINE)


def escape(text: str) -> str:
    """Slack's three control characters, so user text can never form a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inert(text: str) -> str:
    """mrkdwn has no escape character: a delimiter that could open or close `*bold*`, `_italic_`,
    `~strike~` or `code` gets a zero-width space on both sides, so it is neither preceded nor followed
    by what Slack needs around a delimiter. One inside a word (`first_last@x.example`) cannot open or
    close a span and stays as it is, so addresses and ids copy out unchanged; a backtick always gets them."""
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch in _FORMAT_CHARS:
            inside_word = 0 < i < last and text[i - 1].isalnum() and text[i + 1].isalnum()
            if ch == "`" or not inside_word:
                out.append(f"{ZWSP}{ch}{ZWSP}")
                continue
        out.append(ch)
    return "".join(out)


def escape_data(text: str) -> str:
    """Text from data (or a template filled with data) as mrkdwn that shows exactly what it says:
    no link, mention, formatting or quote can come out of it."""
    out = _inert(escape(text))
    out = _SPECIAL_MENTION.sub("@" + ZWSP, out).replace("](", f"]{ZWSP}(")  # no `[text](url)` link either
    return _QUOTE_START.sub(ZWSP, out)


def mrkdwn(text: str) -> str:
    """Plain text as data (`escape_data`); `Markdown` (KB article bodies) keeps its headings, bold and
    links, converted to Slack mrkdwn, with mentions escaped all the same."""
    if not isinstance(text, Markdown):
        return escape_data(text)
    out = _SPECIAL_MENTION.sub("@" + ZWSP, escape(text))
    out = _HEADING_MD.sub(lambda m: f"*{m.group(1).strip()}*", out)
    out = _BOLD_MD.sub(lambda m: f"*{m.group(1)}*", out)
    return _LINK_MD.sub(lambda m: f"<{m.group(2)}|{m.group(1).replace('|', '/')}>", out)


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]  # never leave half an `&amp;` behind
    return cut + ellipsis


def split_text(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Split escaped text into chunks ≤ limit, preferring paragraph, line and word boundaries."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
            amp = window.rfind("&", limit - 8)
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        chunks.append(rest)
    return [c for c in chunks if c.strip()]


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    """A plain_text object: Slack does not parse mentions in it, so no escaping is needed."""
    value = text if limit is None else truncate(text, limit)
    return {"type": "plain_text", "text": value or " ", "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(button: Button, index: int, seen: set[str]) -> Block:
    element: Block = {"type": "button", "text": plain(button.label, BUTTON_TEXT_MAX)}
    if button.url:
        element["url"] = button.url[:URL_MAX]
        element["action_id"] = f"{LINK_ACTION}{SUFFIX}{index}"
    else:
        action = button.action
        element["action_id"] = f"{action}{SUFFIX}{index}" if action in seen else action
        seen.add(action)
        value = button.value
        if len(value) > BUTTON_VALUE_MAX:
            logger.warning("button value of %s longer than %s characters, cut", action, BUTTON_VALUE_MAX)
            value = value[:BUTTON_VALUE_MAX]
        if value:
            element["value"] = value
    if button.style:
        element["style"] = button.style
    return element


def action_from_slack(action_id: str) -> str:
    """The contract action id behind a rendered `action_id` (drops the `#n` uniqueness suffix)."""
    return action_id.split(SUFFIX, 1)[0]


def _content_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        blocks.append({"type": "header", "text": plain(message.title, HEADER_MAX)})
    if message.text:
        blocks.extend(_section(chunk) for chunk in split_text(mrkdwn(message.text)))
    fields = [
        {"type": "mrkdwn", "text": truncate(f"*{escape_data(label)}*\n{escape_data(value)}", FIELD_TEXT_MAX)}
        for label, value in message.fields
    ]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})
    if message.items:
        lines = "\n".join(f"• {mrkdwn(item)}" for item in message.items)
        blocks.extend(_section(chunk) for chunk in split_text(lines))
    return blocks


def _tail_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    context = [escape_data(s) for s in message.suggestions]
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(" · ".join(context), 2000)}]}
        )
    if message.footer:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(mrkdwn(message.footer), 2000)}]}
        )
    seen: set[str] = set()
    buttons = [_button(b, i, seen) for i, b in enumerate(message.buttons)]
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": buttons[start : start + BUTTONS_PER_BLOCK]})
    return blocks


def message_blocks(message: Message, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """Block Kit for a message; content beyond `max_blocks` is cut, buttons and footer are kept."""
    content, tail = _content_blocks(message), _tail_blocks(message)
    if len(content) + len(tail) > max_blocks:
        room = max(max_blocks - len(tail) - 1, 1)
        hidden = len(content) - room
        pointer = ngettext(
            "… %(count)s more part is not shown here; the message was too long for Slack.",
            "… %(count)s more parts are not shown here; the message was too long for Slack.",
            hidden,
        ) % {"count": hidden}
        content = [*content[:room], {"type": "context", "elements": [{"type": "mrkdwn", "text": pointer}]}]
        tail = tail[: max_blocks - len(content)]
    return content + tail


def fallback_text(message: Message) -> str:
    """The top-level `text`: what notifications and screen readers show; never empty."""
    text = escape_data(message.plain_text()).strip()
    return truncate(text, TOP_TEXT_MAX) if text else _("New message")


def render_message(message: Message) -> tuple[str, list[Block]]:
    """(`text`, `blocks`) for chat.postMessage / chat.update / chat.postEphemeral."""
    return fallback_text(message), message_blocks(message)


# -- forms ---------------------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT_MAX), "value": value[:OPTION_VALUE_MAX]}


def _element(spec_field: FormField, prefill: str | None) -> Block:
    name = spec_field.name
    max_length = min(max(spec_field.max_length, 1), INPUT_MAX_LENGTH)
    element: Block
    if spec_field.kind == "choice":
        options = [_option(v, label) for v, label in spec_field.choices[:MAX_OPTIONS]]
        element = {"type": "static_select", "action_id": name, "options": options}
        initial = next((o for o in options if prefill is not None and o["value"] == prefill), None)
        if initial is not None:
            element["initial_option"] = initial
    elif spec_field.kind == "date":
        element = {"type": "datepicker", "action_id": name}
        try:
            if prefill:
                element["initial_date"] = dt.date.fromisoformat(prefill).isoformat()
        except ValueError:
            pass
    elif spec_field.kind == "email":
        element = {"type": "email_text_input", "action_id": name}
        if prefill:
            element["initial_value"] = prefill
    elif spec_field.kind == "number":
        element = {"type": "number_input", "action_id": name, "is_decimal_allowed": True}
        if prefill:
            try:
                float(prefill)
                element["initial_value"] = prefill
            except ValueError:
                pass
    else:
        element = {"type": "plain_text_input", "action_id": name, "max_length": max_length}
        if spec_field.kind == "long_text":
            element["multiline"] = True
        if prefill:
            element["initial_value"] = prefill[:max_length]
    return element


def form_metadata(context: dict[str, Any], origin: dict[str, Any]) -> str:
    """`private_metadata`: the form's context and where it was opened, as JSON within 3,000 characters."""
    data = json.dumps({"ctx": context, **origin}, separators=(",", ":"), default=str)
    if len(data) > PRIVATE_METADATA_MAX:
        logger.error("form context too large for private_metadata (%s chars); context dropped", len(data))
        data = json.dumps({"ctx": {}, **origin}, separators=(",", ":"))
    return data


def modal_view(
    spec: FormSpec, values: dict[str, str], metadata: str, notes: dict[str, list[Message]] | None = None
) -> dict[str, Any]:
    """A modal whose `callback_id` is the form name and whose inputs have block_id = action_id = field.

    A live field dispatches an action when entered; `notes` are what the form said about a field then
    (shown right under it, e.g. articles that may answer a ticket's subject)."""
    blocks: list[Block] = []
    for spec_field in spec.fields:
        block: Block = {
            "type": "input",
            "block_id": spec_field.name,
            "label": plain(spec_field.label, 2000),
            "element": _element(spec_field, values.get(spec_field.name)),
            "optional": not spec_field.required,
        }
        if spec_field.hint:
            block["hint"] = plain(spec_field.hint, 2000)
        if spec_field.live:
            block["dispatch_action"] = True
        blocks.append(block)
        for note in (notes or {}).get(spec_field.name, []):
            blocks.extend(message_blocks(note, MAX_VIEW_BLOCKS))
    return {
        "type": "modal",
        "callback_id": spec.name,
        "title": plain(spec.title, VIEW_TITLE_MAX),
        "submit": plain(spec.submit_label, VIEW_TITLE_MAX),
        "close": plain(_("Cancel"), VIEW_TITLE_MAX),
        "private_metadata": metadata,
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def home_view(message: Message) -> dict[str, Any]:
    """The App Home tab: the same rendering as a message, with a view's larger block budget."""
    return {"type": "home", "blocks": message_blocks(message, MAX_VIEW_BLOCKS)}
