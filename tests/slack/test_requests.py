"""Bad and unusual input on /slack/events: 401 for bad signatures, 400 for garbage, 2xx for the rest."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import func, select

from domain.models import Identity, ProcessedUpdate
from tests.fakes import (
    event_body,
    event_callback,
    form_body,
    message_event,
    slack_signed_request,
    slash_command_body,
    url_verification_body,
)
from tests.slack.conftest import ANA, SECRET, SlackHarness


async def test_forged_stale_and_missing_signatures_are_refused(harness: SlackHarness) -> None:
    body = slash_command_body("help", channel_id="D0ANA", response_url=harness.slack.response_url())
    forged = await harness.post(body, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    stale = await harness.post(body, timestamp=int(time.time()) - 6 * 60)
    missing = await harness.post(body, sign=False, headers={"Content-Type": "application/x-www-form-urlencoded"})
    garbage = await harness.post(body, headers={"X-Slack-Request-Timestamp": "soon"})
    assert [r.status for r in (forged, stale, missing, garbage)] == [401, 401, 401, 401]
    assert [c.method for c in harness.slack.calls if c.method != "auth.test"] == []
    assert not harness.slack.responses
    async with harness.app.uow() as uow:
        assert (await uow.session.scalars(select(Identity))).first() is None


async def test_signature_over_a_different_body_is_refused(harness: SlackHarness) -> None:
    signed_for = slash_command_body("help", channel_id="D0ANA")
    headers = slack_signed_request(SECRET, signed_for)
    sent = slash_command_body("settings", channel_id="D0ANA")
    response = await harness.client.post("/slack/events", data=sent.encode(), headers=headers)
    assert response.status == 401


async def test_url_verification_is_answered(harness: SlackHarness) -> None:
    response = await harness.post(url_verification_body("abc123"))
    assert response.status == 200
    assert (await response.json())["challenge"] == "abc123"


async def test_ssl_check_is_answered(harness: SlackHarness) -> None:
    response = await harness.post(form_body({"ssl_check": "1", "token": "verification-token-unused"}))
    assert response.status == 200


async def test_malformed_json_and_unknown_payloads_are_400(harness: SlackHarness) -> None:
    assert (await harness.post('{"type": "event_callback", ')).status == 400
    assert (await harness.post(form_body({"payload": "{not json"}))).status == 400
    assert (await harness.post(json.dumps({"type": "mystery_payload"}))).status == 400
    assert (await harness.post(form_body({"payload": json.dumps({"type": "mystery"})}))).status == 400
    other_command = slash_command_body("help", command="/other", response_url=harness.slack.response_url())
    assert (await harness.post(other_command)).status == 400


async def test_a_retried_event_is_processed_once(harness_db: SlackHarness) -> None:
    h = harness_db
    envelope = event_callback(message_event("/help", channel="D0ANA"), event_id="Ev0RETRY01")
    first = await h.post(event_body(envelope))
    again = await h.post(
        event_body(envelope), headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert first.status == 200 and again.status == 200
    assert len(h.dm()) == 1
    async with h.app.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert count == 1


async def test_the_bots_own_messages_are_ignored(harness: SlackHarness) -> None:
    own = message_event("Saved.", user=harness.slack.bot_user_id, channel="D0ANA")
    echo = message_event("hello", channel="D0ANA", bot_id=harness.slack.bot_id)
    assert (await harness.event(own)).status == 200
    assert (await harness.event(echo)).status == 200
    assert not harness.slack.calls_to("chat.postMessage")


def _subtype(subtype: str, **extra: Any) -> dict[str, Any]:
    event = message_event("edited text", channel="D0ANA")
    event["subtype"] = subtype
    event.update(extra)
    return event


async def test_message_subtypes_are_acknowledged_and_ignored(harness: SlackHarness) -> None:
    events = [
        _subtype("message_changed", message={"type": "message", "text": "new", "user": ANA}, previous_message={}),
        _subtype("message_deleted", deleted_ts="1.000001", previous_message={"text": "old"}),
        _subtype("thread_broadcast", thread_ts="1.000001"),
        _subtype("channel_join"),
        message_event("from a bot", channel="D0ANA", bot_id="B0OTHER"),
    ]
    for event in events:
        assert (await harness.event(event)).status == 200
    assert not harness.slack.calls_to("chat.postMessage")


async def test_file_share_with_text_in_a_dm_is_a_question(harness: SlackHarness) -> None:
    event = _subtype("file_share", files=[{"id": "F1", "name": "screenshot.png"}])
    event["text"] = "/help"
    assert (await harness.event(event)).status == 200
    assert "What you can do" in harness.dm_text()
    no_text = _subtype("file_share", files=[{"id": "F2"}])
    no_text["text"] = ""
    assert (await harness.event(no_text)).status == 200


async def test_view_closed_shortcuts_and_options_are_acknowledged(harness: SlackHarness) -> None:
    closed = {
        "type": "view_closed",
        "team": {"id": harness.slack.team_id},
        "user": {"id": ANA},
        "api_app_id": "A0FAKEAPP",
        "view": {"id": "V1", "callback_id": "settings", "type": "modal", "private_metadata": ""},
        "is_cleared": False,
    }
    shortcut = {
        "type": "shortcut",
        "callback_id": "anything",
        "trigger_id": "1.2.3",
        "team": {"id": harness.slack.team_id},
        "user": {"id": ANA},
    }
    message_shortcut = {
        **shortcut,
        "type": "message_action",
        "message": {"ts": "1.1", "text": "x"},
        "channel": {"id": "C1"},
    }
    options = {
        "type": "block_suggestion",
        "action_id": "x",
        "block_id": "x",
        "value": "a",
        "team": {"id": "T0FAKETEAM"},
        "user": {"id": ANA},
    }
    for payload in (closed, shortcut, message_shortcut, options):
        response = await harness.interact(payload)
        assert response.status == 200, payload["type"]
    assert not harness.slack.calls_to("chat.postMessage")


async def test_enterprise_grid_and_connect_envelopes_are_accepted(harness: SlackHarness) -> None:
    envelope = event_callback(message_event("/help", channel="D0ANA"))
    envelope["enterprise_id"] = "E0GRID"
    envelope["is_ext_shared_channel"] = True
    envelope["authorizations"][0]["enterprise_id"] = "E0GRID"
    envelope["context_team_id"] = harness.slack.team_id
    envelope["event"]["user_team"] = "T0PARTNERORG"
    envelope["event"]["source_team"] = "T0PARTNERORG"
    response = await harness.post(event_body(envelope))
    assert response.status == 200
    assert "What you can do" in harness.dm_text()


async def test_events_from_an_unknown_workspace_are_ignored(harness: SlackHarness) -> None:
    envelope = event_callback(message_event("/help", channel="D0ANA"), team_id="T0STRANGER")
    response = await harness.post(event_body(envelope))
    assert response.status == 200
    assert not harness.slack.calls_to("chat.postMessage")


async def test_user_text_cannot_ping_the_channel(harness: SlackHarness) -> None:
    await harness.event(message_event("/kb <!channel> <@U0BOSS> & friends", channel="D0ANA"))
    posted = harness.dm()[-1]
    dumped = json.dumps(posted)
    assert "<!channel>" not in dumped and "<@U0BOSS>" not in dumped
    assert "&lt;!channel&gt;" in dumped


async def test_channel_chatter_and_reactions_are_acknowledged_not_recorded(harness: SlackHarness) -> None:
    from tests.fakes import reaction_added_event

    chatter = message_event("lunch?", channel="C0GENERAL", channel_type="channel")
    reaction = reaction_added_event("thumbsup", ts="1.000001")
    unknown = {"type": "team_join", "user": {"id": "U0NEW"}}
    for event in (chatter, reaction, unknown):
        assert (await harness.event(event)).status == 200
    async with harness.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    # A :ticket: reaction is ours (tickets from messages), but on a message we cannot read, nothing happens.
    assert (await harness.event(reaction_added_event("ticket", ts="1.000001"))).status == 200
    assert not harness.slack.calls_to("chat.postMessage")
