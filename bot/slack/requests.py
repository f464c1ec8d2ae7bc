"""Slack payloads → the pieces of a neutral `Request`: pure functions, no I/O, easy to test.

Which messages are ours to answer, how a slash command's text becomes a command, how a submitted
modal's state becomes `{field: value}`, and which workspace a payload comes from.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

from bot.slack.blocks import LINK_ACTION, action_from_slack

# Message subtypes that are edits, deletions, joins, bots… never something a person asked us.
HANDLED_SUBTYPES = frozenset({"file_share"})
_SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>]+)>")


def command_parts(text: str) -> tuple[str, str]:
    """`/partner settings edit` text "settings edit" → ("settings", "edit"); empty text is `help`."""
    stripped = text.strip()
    if not stripped:
        return "help", ""
    name, _sep, args = stripped.partition(" ")
    return name.lstrip("/").lower(), args.strip()


def plain_text(slack_text: str) -> str:
    """What the person typed: Slack's `<url|label>` and `&amp;` encoding undone."""

    def link(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(2) or match.group(1)
        inner = match.group(3)
        if inner.startswith(("@", "#", "!")):
            return f"<{inner}>"  # mentions stay as Slack wrote them; they are escaped again on output
        return inner.removeprefix("mailto:")

    return html.unescape(_SLACK_LINK.sub(link, slack_text)).strip()


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """An app_mention's text without the leading `<@BOT>`."""
    stripped = text.strip()
    if bot_user_id:
        stripped = stripped.replace(f"<@{bot_user_id}>", "", 1)
    else:
        stripped = re.sub(r"^<@[A-Z0-9]+>", "", stripped)
    return stripped.strip()


def message_is_for_us(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's own new message: no bot, no edit/delete/broadcast/join subtypes, not our echo."""
    subtype = event.get("subtype")
    if subtype is not None and subtype not in HANDLED_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    user = event.get("user")
    if not user or (bot_user_id and user == bot_user_id):
        return False
    return isinstance(event.get("text"), str) and bool(event["text"].strip())


def button_press(action: dict[str, Any]) -> tuple[str, str] | None:
    """(contract action id, value) of one block action; None for link buttons."""
    action_id = action_from_slack(str(action.get("action_id", "")))
    if not action_id or action_id == LINK_ACTION:
        return None
    value = action.get("value")
    if value is None and isinstance(action.get("selected_option"), dict):
        value = action["selected_option"].get("value")
    return action_id, str(value or "")


def _element_value(element: dict[str, Any]) -> str:
    for key in ("value", "selected_date", "selected_time", "selected_date_time", "selected_user"):
        if element.get(key) is not None:
            return str(element[key])
    option = element.get("selected_option")
    if isinstance(option, dict):
        return str(option.get("value", ""))
    options = element.get("selected_options")
    if isinstance(options, list):
        return ",".join(str(o.get("value", "")) for o in options if isinstance(o, dict))
    return ""


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """A submitted modal's `state.values` flattened to {block_id (= field name): value}."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        if isinstance(elements, dict):
            for element in elements.values():
                if isinstance(element, dict):
                    values[str(block_id)] = _element_value(element)
    return values


def read_metadata(raw: str | None) -> dict[str, Any]:
    """Our `private_metadata`: {"ctx": context, "chat": …}; a bare JSON object is taken as the context."""
    if not raw:
        return {"ctx": {}}
    try:
        data = json.loads(raw)
    except ValueError:
        return {"ctx": {}}
    if not isinstance(data, dict):
        return {"ctx": {}}
    if "ctx" not in data:
        return {"ctx": data}
    if not isinstance(data["ctx"], dict):
        data["ctx"] = {}
    return data


def team_ids(body: dict[str, Any]) -> set[str]:
    """Every workspace/org id a payload names: envelope, `team`, `enterprise`, `authorizations`."""
    ids: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and value:
            ids.add(value)
        elif isinstance(value, dict):
            add(value.get("id"))

    for key in ("team_id", "enterprise_id", "team", "enterprise"):
        add(body.get(key))
    for auth in body.get("authorizations") or []:
        if isinstance(auth, dict):
            add(auth.get("team_id"))
            add(auth.get("enterprise_id"))
    return ids


def from_known_team(body: dict[str, Any], known: Iterable[str]) -> bool:
    """True unless the payload names workspaces and none of them is ours (Grid and Connect included)."""
    known_ids = {k for k in known if k}
    named = team_ids(body)
    return not known_ids or not named or bool(named & known_ids)
