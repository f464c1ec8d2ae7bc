"""Issue 11, item 1: a button or command that shows private data, used in a group or channel, answers
there only with "let's continue in a private chat" and continues in the person's private chat."""

from __future__ import annotations

from bot.app import App
from tests.chat import ChatFactory
from tests.fakes import FakeSlackAPI
from tests.fakes.telegram_updates import tg_callback_query_update, tg_group_chat, tg_message, tg_message_update
from tests.leads.helpers import import_leads, lead, lead_row
from tests.slack.conftest import ANA, SlackHarness
from tests.telegram.harness import TelegramHarness, ana

CONTACT = ("pat@t-1.example", "Pat Buyer", "+49 30 555 0100")
BOT = {"id": 123456789, "is_bot": True, "first_name": "Bot"}


def _leaks(text: str) -> list[str]:
    return [c for c in CONTACT if c in text]


async def test_item1_claim_pressed_in_a_group_sends_contact_details_only_privately(
    app: App, chats: ChatFactory
) -> None:
    await chats.linked("ana@acme.example")
    group = chats.group("ana@acme.example")
    await import_leads(app, [lead_row("T-1")])
    answer = await group.press("lead.claim", "T-1", message_id="77")
    assert "private chat" in answer.text
    assert not _leaks(answer.text), "the group must not see the lead's contact details"
    assert not answer.messages, "only a notice to the presser, no message and no edit in the group"
    assert "yours" in answer.private.text
    card = chats.transport.to("ana@acme.example")[-1].message.plain_text()
    assert "pat@t-1.example" in card, "the winner's card reaches the presser's private chat"
    assert (await lead(app, "T-1")).status == "claimed", "the press was performed, for the presser"


async def test_item1_update_and_leads_command_in_a_group_continue_in_private(app: App, chats: ChatFactory) -> None:
    ana_private = await chats.linked("ana@acme.example")
    group = chats.group("ana@acme.example")
    await import_leads(app, [lead_row("T-1")])
    await ana_private.press("lead.claim", "T-1")
    update = await group.press("lead.update", "T-1:contacted")
    assert "private chat" in update.text and not _leaks(update.text)
    assert "contacted" in update.private.text and "pat@t-1.example" in update.private.text
    assert (await lead(app, "T-1")).status == "contacted"
    listing = await group.send("/leads T-1")
    assert "private chat" in listing.text and not _leaks(listing.text)
    assert "pat@t-1.example" in listing.private.text
    refused = await group.press("lead.release", "T-404")
    assert "T-404" not in refused.text, "a refusal, too, is answered in private"
    assert "T-404" in refused.private.text


async def test_item1_telegram_group_press_of_a_forwarded_card(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    await import_leads(tg.app, [lead_row("T-1")])
    group = tg_group_chat()
    card = tg_message("Lead T-1", BOT, group)
    for data in ("lead.claim|T-1", "lead.update|T-1:contacted"):
        tg.fake.reset_calls()
        assert await tg.post(tg_callback_query_update(data, ana(), card)) == 200
        (answer,) = tg.fake.calls_to("answerCallbackQuery")
        assert "private chat" in answer.params.get("text", "")
        in_group = [
            c
            for method in ("sendMessage", "editMessageText")
            for c in tg.fake.calls_to(method)
            if str(c.params["chat_id"]) == str(group["id"])
        ]
        assert in_group == [], f"{data}: nothing is posted or edited in the group"
        private = [c for c in tg.fake.calls_to("sendMessage") if str(c.params["chat_id"]) == str(ana()["id"])]
        assert private and "pat@t-1.example" in str([c.params for c in private]), data
    assert (await lead(tg.app, "T-1")).status == "contacted"


async def test_item1_telegram_group_command_continues_in_private(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    group = tg_group_chat(type="group")
    assert await tg.post(tg_message_update("/settings", ana(), group)) == 200
    to_group = [c for c in tg.fake.calls_to("sendMessage") if str(c.params["chat_id"]) == str(group["id"])]
    to_ana = [c for c in tg.fake.calls_to("sendMessage") if str(c.params["chat_id"]) == str(ana()["id"])]
    assert len(to_group) == 1 and "private chat" in to_group[0].params["text"]
    assert "Europe/Berlin" not in str(to_group[0].params)
    assert to_ana and "Europe/Berlin" in str(to_ana[-1].params)


async def test_item1_slack_channel_press_posts_nothing_private_in_the_channel(
    harness: SlackHarness, fake_slack: FakeSlackAPI
) -> None:
    fake_slack.add_channel("C0GENERAL", "general")
    await harness.command("help", channel_id="D0ANA")  # links Ana by her email
    await import_leads(harness.app, [lead_row("T-1")])
    fake_slack.reset_calls()
    message = {"type": "message", "ts": "1700000000.000100", "text": "Lead T-1", "user": "U0BOT"}
    assert (await harness.press("lead.claim", "T-1", message, "C0GENERAL")).status == 200
    channel = str(fake_slack.messages("C0GENERAL")) + str(fake_slack.ephemerals) + str(fake_slack.responses)
    assert not _leaks(channel), "nothing with contact details in the channel, not even ephemerally"
    assert "private chat" in str(fake_slack.ephemerals)
    assert "pat@t-1.example" in harness.dm_text(ANA)
    assert (await lead(harness.app, "T-1")).status == "claimed"
