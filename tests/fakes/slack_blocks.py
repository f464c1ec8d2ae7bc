"""Block Kit limits the fake Slack API enforces, worded like Slack's own error messages.

Slack reports each violation as "<problem> [json-pointer:/blocks/N/...]" in `errors` and as
"[ERROR] <same>" in `response_metadata.messages`; adapters log these, so the fake does the same.
Only the documented limits our adapter can hit are checked, not the whole Block Kit schema.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "video",
    }
)


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _text_of(obj: Any) -> str | None:
    return obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else None


def _check_element(element: Any, pointer: str, errors: list[str]) -> None:
    if not isinstance(element, dict):
        errors.append(f"must be an object [json-pointer:{pointer}]")
        return
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > ACTION_ID_MAX:
        errors.append(_too_long(ACTION_ID_MAX, f"{pointer}/action_id"))
    if element.get("type") == "button":
        text = _text_of(element.get("text"))
        if text is not None and len(text) > BUTTON_TEXT_MAX:
            errors.append(_too_long(BUTTON_TEXT_MAX, f"{pointer}/text/text"))
        value = element.get("value")
        if isinstance(value, str) and len(value) > BUTTON_VALUE_MAX:
            errors.append(_too_long(BUTTON_VALUE_MAX, f"{pointer}/value"))


def _check_block(block: Any, pointer: str, errors: list[str]) -> None:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
        kind = block.get("type") if isinstance(block, dict) else None
        errors.append(f"unsupported type: `{kind}` [json-pointer:{pointer}/type]")
        return
    block_id = block.get("block_id")
    if isinstance(block_id, str) and len(block_id) > BLOCK_ID_MAX:
        errors.append(_too_long(BLOCK_ID_MAX, f"{pointer}/block_id"))
    kind = block["type"]
    if kind == "section":
        text = _text_of(block.get("text"))
        fields = block.get("fields")
        if text is None and not fields:
            errors.append(f"must provide either text or fields [json-pointer:{pointer}]")
        if text is not None and len(text) > SECTION_TEXT_MAX:
            errors.append(_too_long(SECTION_TEXT_MAX, f"{pointer}/text/text"))
        if text is not None and not text:
            errors.append(f"must be more than 0 characters [json-pointer:{pointer}/text/text]")
        if isinstance(fields, list):
            if len(fields) > SECTION_FIELDS_MAX:
                errors.append(_too_many(SECTION_FIELDS_MAX, f"{pointer}/fields"))
            for i, field in enumerate(fields):
                field_text = _text_of(field)
                if field_text is not None and len(field_text) > SECTION_FIELD_TEXT_MAX:
                    errors.append(_too_long(SECTION_FIELD_TEXT_MAX, f"{pointer}/fields/{i}/text"))
        if "accessory" in block:
            _check_element(block["accessory"], f"{pointer}/accessory", errors)
    elif kind == "header":
        text = _text_of(block.get("text"))
        if text is not None and len(text) > HEADER_TEXT_MAX:
            errors.append(_too_long(HEADER_TEXT_MAX, f"{pointer}/text/text"))
    elif kind in ("actions", "context"):
        elements = block.get("elements") or []
        limit = ACTIONS_ELEMENTS_MAX if kind == "actions" else CONTEXT_ELEMENTS_MAX
        if len(elements) > limit:
            errors.append(_too_many(limit, f"{pointer}/elements"))
        if kind == "actions":
            for i, element in enumerate(elements):
                _check_element(element, f"{pointer}/elements/{i}", errors)
    elif kind == "input" and "element" in block:
        _check_element(block["element"], f"{pointer}/element", errors)


def block_errors(blocks: list[Any], pointer: str = "/blocks", max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Every limit the blocks break, as Slack words them; empty when the blocks are acceptable."""
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(_too_many(max_blocks, pointer))
    for i, block in enumerate(blocks):
        _check_block(block, f"{pointer}/{i}", errors)
    return errors


def view_errors(view: Any) -> list[str]:
    """Limits of a modal or Home tab view, checked by views.open/push/update/publish."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    errors: list[str] = []
    if view.get("type") not in ("modal", "home"):
        errors.append("must be one of modal, home [json-pointer:/view/type]")
    for key in ("title", "submit", "close"):
        text = _text_of(view.get(key))
        if text is not None and len(text) > VIEW_TITLE_MAX:
            errors.append(_too_long(VIEW_TITLE_MAX, f"/view/{key}/text"))
    if view.get("type") == "modal" and _text_of(view.get("title")) is None:
        errors.append("missing required field: title [json-pointer:/view]")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
        errors.append(_too_long(PRIVATE_METADATA_MAX, "/view/private_metadata"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        errors.append("missing required field: blocks [json-pointer:/view]")
    else:
        errors.extend(block_errors(blocks, "/view/blocks", MAX_VIEW_BLOCKS))
    return errors
