"""Builders for what Slack sends to our server: signed requests, slash commands, interactions, events.

Shapes follow Slack's documented payloads closely enough for slack-bolt to route them (it keys on
`type`, `actions[].action_id`, `view.callback_id`, `event.type`), so adapter tests exercise the
real request path, signature check included.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import DEFAULT_APP_ID, DEFAULT_BOT_USER_ID, DEFAULT_TEAM_ID

Payload = dict[str, Any]

_counter = itertools.count(1)
RESPONSE_URL = "https://hooks.slack.com/commands/T0FAKETEAM/1/fake"


def _ts() -> str:
    return f"{int(time.time())}.{next(_counter):06d}"


def _trigger_id() -> str:
    return f"{next(_counter)}.{int(time.time())}.{uuid.uuid4().hex[:16]}"


def slack_signed_request(signing_secret: str, body: str, timestamp: int | str | None = None) -> dict[str, str]:
    """Headers Slack sends with `body`: v0 HMAC-SHA256 of "v0:{ts}:{body}" (pass an old ts to test replay)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    content_type = "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def form_body(fields: dict[str, Any]) -> str:
    """URL-encode a form as Slack does for slash commands."""
    return urlencode({k: v for k, v in fields.items() if v is not None})


def interaction_body(payload: Payload) -> str:
    """Interactivity requests are a form with one `payload` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(envelope: Payload) -> str:
    """Events API requests are a JSON body."""
    return json.dumps(envelope)


def slash_command_body(
    text: str = "",
    *,
    command: str = "/partner",
    user_id: str = "U0ANA",
    user_name: str = "ana",
    channel_id: str = "D0ANA",
    channel_name: str = "directmessage",
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    response_url: str = RESPONSE_URL,
    trigger_id: str | None = None,
) -> str:
    """The form body of a slash command invocation such as `/partner claim L-42`."""
    return form_body(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "team_domain": "fake-workspace",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
    )


def _user(user_id: str, user_name: str, team_id: str) -> Payload:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = "U0ANA",
    user_name: str = "ana",
    channel_id: str = "C0SUPPORT",
    message: Payload | None = None,
    view: Payload | None = None,
    block_id: str | None = None,
    action_type: str = "button",
    selected_option: Payload | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    response_url: str = RESPONSE_URL,
    trigger_id: str | None = None,
) -> Payload:
    """A button press (or select) on a message, or inside a modal when `view` is given.

    Pass the dict from `slack.message(channel, ts)` as `message` to press a button the bot posted.
    """
    action: Payload = {
        "action_id": action_id,
        "block_id": block_id or action_id,
        "type": action_type,
        "action_ts": _ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = selected_option
    payload: Payload = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": "fake-workspace"},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
    else:
        msg = message or {"type": "message", "ts": _ts(), "text": "", "user": DEFAULT_BOT_USER_ID}
        payload["container"] = {
            "type": "message",
            "message_ts": msg["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        payload["message"] = msg
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    callback_id: str,
    values: dict[str, str | Payload | None],
    *,
    user_id: str = "U0ANA",
    user_name: str = "ana",
    private_metadata: str = "",
    view_id: str = "V0FAKEVIEW",
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
) -> Payload:
    """A modal submitted with `values` keyed by field name (block_id = action_id = field, per CONTRACT).

    A str value becomes a plain_text_input state; a dict is used as the raw element state
    (e.g. `{"type": "static_select", "selected_option": {...}}`).
    """
    state = {
        name: {name: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}}
        for name, v in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "fake-workspace"},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state},
            "hash": f"{int(time.time())}.fakehash",
            "title": {"type": "plain_text", "text": callback_id[:24]},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0FAKEBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    event: Payload,
    *,
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> Payload:
    """The Events API envelope; reuse `event_id` to model Slack's retried delivery of one event."""
    return {
        "token": "verification-token-unused",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):010d}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def url_verification_body(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") -> str:
    """The handshake Slack sends when the events URL is configured."""
    return json.dumps({"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"})


def message_event(
    text: str,
    *,
    user: str = "U0ANA",
    channel: str = "D0ANA",
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
) -> Payload:
    """A `message` event: a DM by default (message.im), or a channel message/thread reply."""
    ts = ts or _ts()
    event: Payload = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team_id,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if bot_id:
        event["bot_id"] = bot_id
        event["subtype"] = "bot_message"
        del event["client_msg_id"]
    return event


def app_mention_event(
    text: str,
    *,
    user: str = "U0ANA",
    channel: str = "C0SUPPORT",
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    thread_ts: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
) -> Payload:
    """An `app_mention`; the text starts with the bot's mention as Slack renders it."""
    ts = _ts()
    event: Payload = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{bot_user_id}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": team_id,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(user: str = "U0ANA", *, channel: str = "D0ANA", tab: str = "home") -> Payload:
    """The user opened the app's Home (or Messages) tab."""
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab, "event_ts": _ts()}


def reaction_added_event(
    reaction: str,
    *,
    user: str = "U0AGENT",
    channel: str = "C0SUPPORT",
    ts: str,
    item_user: str = "U0ANA",
) -> Payload:
    """A reaction (e.g. `ticket`) added to the message at `ts` in `channel`."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": _ts(),
    }
