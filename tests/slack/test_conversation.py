"""End to end on Slack: linking by email, help, settings, the settings modal, buttons, App Home."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import Identity
from tests.fakes import app_home_opened_event, app_mention_event, block_actions_payload, message_event
from tests.slack.conftest import ANA, SlackHarness


async def test_known_email_is_linked_and_help_answers(harness: SlackHarness) -> None:
    response = await harness.command("help", channel_id="D0ANA")
    assert response.status == 200
    async with harness.app.uow() as uow:
        identity = (await uow.session.scalars(select(Identity).where(Identity.external_id == ANA))).one()
    assert identity.platform == "slack" and identity.chat_id == harness.slack.dm_channel(ANA)
    text = harness.dm_text()
    assert "What you can do" in text and "/settings" in text
    assert "Link your chat" not in text


async def test_empty_command_text_is_help(harness: SlackHarness) -> None:
    await harness.command("", channel_id="D0ANA")
    assert "What you can do" in harness.dm_text()


async def test_stranger_gets_linking_instructions(harness: SlackHarness) -> None:
    harness.slack.add_user("U0EVE", "eve@nowhere.example", "eve")
    await harness.command("help", user="U0EVE", channel_id="D0EVE")
    text = harness.dm_text("U0EVE")
    assert "Link your chat to the partner program" in text
    async with harness.app.uow() as uow:
        assert (await uow.session.scalars(select(Identity))).first() is None


async def test_settings_shows_the_current_values(harness: SlackHarness) -> None:
    await harness.command("settings", channel_id="D0ANA")
    last = harness.dm()[-1]
    assert last["blocks"][0]["type"] == "header" and last["blocks"][0]["text"]["text"] == "Your settings"
    assert "Europe/Berlin" in harness.dm_text()


async def test_settings_edit_opens_a_modal_and_validates_it(harness: SlackHarness) -> None:
    await harness.command("settings edit", channel_id="D0ANA")
    (view,) = harness.slack.views.values()
    assert view["callback_id"] == "settings"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [
        "language",
        "timezone",
        "quiet_hours",
        "urgent_in_quiet_hours",
        "preferred_platform",
    ]
    assert all(b["element"]["action_id"] == b["block_id"] for b in inputs)
    timezone = next(b for b in inputs if b["block_id"] == "timezone")
    assert timezone["element"]["initial_value"] == "Europe/Berlin"
    language = next(b for b in inputs if b["block_id"] == "language")
    assert language["element"]["initial_option"]["value"] == "en"

    values = {
        "language": {"type": "static_select", "selected_option": {"value": "de"}},
        "timezone": "Mars/Olympus",
        "quiet_hours": "21:00-07:00",
        "urgent_in_quiet_hours": {"type": "static_select", "selected_option": {"value": "off"}},
        "preferred_platform": {"type": "static_select", "selected_option": None},
    }
    bad = await harness.submit("settings", values, private_metadata=view["private_metadata"])
    answer = await bad.json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"timezone"}

    harness.slack.reset_calls()
    good = await harness.submit(
        "settings", {**values, "timezone": "Asia/Tokyo"}, private_metadata=view["private_metadata"]
    )
    assert good.status == 200 and (await good.text()) == ""
    text = harness.dm_text()
    assert "Asia/Tokyo" in text and "21:00-07:00" in text
    assert harness.slack.calls_to("chat.postMessage")


async def test_expired_trigger_falls_back_to_questions_in_the_dm(harness: SlackHarness) -> None:
    harness.slack.expire_trigger("1.2.expired")
    await harness.command("settings edit", channel_id="D0ANA", trigger_id="1.2.expired")
    assert not harness.slack.views
    assert "step 1 of 5" in harness.dm_text()


async def test_kb_helpful_button_answers_ephemerally(kb_harness: SlackHarness) -> None:
    h = kb_harness
    await h.event(message_event("how do I reset my portal password?", channel="D0ANA"))
    answer = h.dm()[-1]
    actions = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    ids = [e["action_id"] for e in actions]
    assert len(ids) == len(set(ids)), "action ids must be unique within a message"
    helpful = next(e for e in actions if e["action_id"] == "kb.helpful")
    response = await h.press("kb.helpful", helpful["value"], answer, h.slack.dm_channel(ANA))
    assert response.status == 200
    assert h.slack.ephemerals and "Glad it helped" in h.slack.ephemerals[-1]["text"]


async def test_repeated_action_ids_are_suffixed_and_understood(kb_harness: SlackHarness) -> None:
    h = kb_harness
    h.slack.add_user("U0BEN", "ben@globex.example", "ben")
    await h.event(message_event("portal password", user="U0BEN", channel="D0BEN"))
    answer = h.dm("U0BEN")[-1]
    reads = [
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("kb.article")
    ]
    assert reads, "an answer offers to read each hit"
    payload = block_actions_payload(
        reads[0]["action_id"],
        reads[0]["value"],
        user_id="U0BEN",
        message=answer,
        channel_id=h.slack.dm_channel("U0BEN"),
        response_url=h.slack.response_url(),
    )
    await h.interact(payload)
    assert "Forgot password" in h.dm_text("U0BEN")


async def test_app_home_shows_the_person_and_help(harness: SlackHarness) -> None:
    await harness.event(app_home_opened_event(ANA))
    home = harness.slack.home_views[ANA]
    text = str(home["blocks"])
    assert "Ana Schmidt" in text and "ACME" in text.upper() and "/settings" in text


async def test_app_home_of_a_stranger_explains_linking(harness: SlackHarness) -> None:
    harness.slack.add_user("U0EVE", "eve@nowhere.example", "eve")
    await harness.event(app_home_opened_event("U0EVE", channel="D0EVE"))
    assert "Link your chat" in str(harness.slack.home_views["U0EVE"]["blocks"])


async def test_command_in_a_channel_answers_only_the_user(harness: SlackHarness) -> None:
    harness.slack.add_channel("C0GENERAL", "general")
    await harness.command("help", channel_id="D0ANA")  # link first
    harness.slack.reset_calls()
    await harness.command("settings", channel_id="C0GENERAL", channel_name="general")
    assert not harness.slack.messages("C0GENERAL")
    (response,) = harness.slack.responses
    assert response.params["response_type"] == "ephemeral"
    assert "private chat" in str(response.params)


async def test_mention_in_a_channel_answers_in_thread(harness: SlackHarness) -> None:
    harness.slack.add_channel("C0GENERAL", "general")
    event = app_mention_event("help", channel="C0GENERAL")
    await harness.event(event)
    (reply,) = harness.slack.messages("C0GENERAL")
    assert reply["thread_ts"] == event["ts"]
