"""End to end: Telegram updates posted to our webhook, replies asserted on the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.kb import KnowledgeBase
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_updates import (
    tg_callback_query_update,
    tg_channel_post_update,
    tg_edited_message_update,
    tg_group_chat,
    tg_message_update,
    tg_photo_update,
    tg_sticker_update,
    tg_user,
)
from tests.telegram.conftest import HarnessFactory
from tests.telegram.harness import BOT_USERNAME, TelegramHarness, ana

KB_DIR = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles"


def sent_texts(fake: FakeTelegramAPI) -> list[str]:
    return [str(c.params.get("text", "")) for c in fake.calls_to("sendMessage")]


async def test_start_with_code_links_and_welcomes(tg: TelegramHarness) -> None:
    user = ana(username=None)  # many Telegram users have no username
    await tg.link("ana@acme.example", user)
    # link() reset the calls; the welcome is still in the chat history
    assert any("Welcome, Ana Schmidt!" in t for t in tg.fake.texts_to(1001))
    assert any("ana@acme.example" in t for t in tg.fake.texts_to(1001))


async def test_help_lists_commands(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    assert await tg.post(tg_message_update("/help", ana())) == 200
    (text,) = tg.fake.texts_to(1001)[-1:]
    assert "What you can do" in text and "/settings" in text and "/kb" in text
    call = tg.fake.calls_to("sendMessage")[-1]
    assert call.params["parse_mode"] == "HTML" and "<b>What you can do</b>" in call.params["text"]


async def test_command_addressed_to_us_works_and_to_another_bot_is_ignored(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    assert await tg.post(tg_message_update(f"/help@{BOT_USERNAME}", ana())) == 200
    assert await tg.post(tg_message_update("/help@some_other_bot", ana())) == 200
    assert len(tg.fake.calls_to("sendMessage")) == 1


async def test_settings_shows_settings(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    await tg.post(tg_message_update("/settings", ana()))
    text = tg.fake.texts_to(1001)[-1]
    assert "Your settings" in text and "Timezone: Europe/Berlin" in text and "Language: English" in text


async def test_settings_form_field_by_field(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    await tg.post(tg_message_update("/settings edit", ana()))
    first = tg.fake.calls_to("sendMessage")[-1].params
    assert "step 1 of 5" in tg.fake.texts_to(1001)[-1]
    keyboard = first["reply_markup"]
    assert keyboard["one_time_keyboard"] is True and keyboard["keyboard"][0][0]["text"] == "English"

    await tg.post(tg_message_update("Deutsch", ana()))
    assert "2 " in tg.fake.texts_to(1001)[-1] or "Zeitzone" in tg.fake.texts_to(1001)[-1]
    await tg.post(tg_message_update("Mars/Olympus_Mons", ana()))
    asked_again = tg.fake.texts_to(1001)[-1]
    assert "Mars/Olympus_Mons" in asked_again  # the reason names the bad value
    await tg.post(tg_message_update("America/Sao_Paulo", ana()))
    await tg.post(tg_message_update("21:00-07:00", ana()))
    await tg.post(tg_message_update("on", ana()))
    await tg.post(tg_message_update("telegram", ana()))
    await tg.post(tg_message_update("/settings", ana()))
    text = tg.fake.texts_to(1001)[-1]
    assert "America/Sao_Paulo" in text and "21:00-07:00" in text


async def test_form_cancel_saves_nothing(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    await tg.post(tg_message_update("/settings edit", ana()))
    await tg.post(tg_message_update("Deutsch", ana()))
    await tg.post(tg_message_update("/cancel", ana()))
    assert "Nothing was saved" in tg.fake.texts_to(1001)[-1]
    await tg.post(tg_message_update("/settings", ana()))
    assert "Language: English" in tg.fake.texts_to(1001)[-1]


async def test_kb_button_press_is_answered(tg: TelegramHarness) -> None:
    await tg.app.deps.services[KnowledgeBase].import_dir(KB_DIR, now=tg.clock())
    await tg.link("ana@acme.example", ana())
    await tg.post(tg_message_update("/kb register deal", ana()))
    call = tg.fake.calls_to("sendMessage")[-1]
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    data = [b["callback_data"] for b in buttons if "callback_data" in b]
    assert all(len(d.encode()) <= 64 for d in data)
    helpful = next(d for d in data if d.startswith("kb.helpful|"))
    shown = tg.fake.sent_to(1001)[-1]
    press = tg_callback_query_update(helpful, ana(), tg.fake.message(1001, shown["message_id"]))
    assert await tg.post(press) == 200
    (answer,) = tg.fake.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    assert "Glad it helped" in answer.params["text"]


@pytest.mark.slow
async def test_a_misspelled_question_in_a_private_chat_gets_answers_from_the_warm_model(tg: TelegramHarness) -> None:
    kb = KnowledgeBase(tg.app.uow, sentence_model=True)
    tg.app.deps.services.provide(kb)
    await kb.import_dir(KB_DIR, now=tg.clock())
    await kb.ready()
    await tg.link("ana@acme.example", ana())
    await tg.post(tg_message_update("comission payot date", ana()))
    answer = tg.fake.texts_to(1001)[-1]
    assert answer.startswith("Answers for") and "• 1. Payout dates and payment status" in answer
    await tg.post(tg_message_update("my new card never came", ana()))
    assert "No article answers that yet" in tg.fake.texts_to(1001)[-1]
    for call in tg.fake.calls_to("sendMessage")[-2:]:
        print(f"[sendMessage] {call.params['text']}")


async def test_refused_and_unknown_buttons_are_answered_too(tg: TelegramHarness) -> None:
    stranger = tg_user(4242, "Eve")
    assert await tg.post(tg_callback_query_update("kb.helpful|1", stranger)) == 200
    assert await tg.post(tg_callback_query_update("no.such_action|1", stranger)) == 200
    assert await tg.post(tg_callback_query_update("", stranger)) == 200
    answers = tg.fake.calls_to("answerCallbackQuery")
    assert len(answers) == 3
    assert "Link your chat first" in answers[0].params["text"] and answers[0].params["show_alert"] in (True, "true")
    assert tg.fake.calls_to("sendMessage") == []


async def test_stranger_gets_linking_instructions(tg: TelegramHarness) -> None:
    assert await tg.post(tg_message_update("hello there", tg_user(4242, "Eve"))) == 200
    assert await tg.post(tg_message_update("/settings", tg_user(4242, "Eve"))) == 200
    texts = tg.fake.texts_to(4242)
    assert len(texts) == 2 and all("Link your chat" in t for t in texts)
    assert "Your settings" not in " ".join(texts)


async def test_wrong_or_missing_secret_is_401_and_changes_nothing(tg: TelegramHarness) -> None:
    update = tg_message_update("/help", ana())
    assert await tg.post(update, secret="wrong") == 401
    assert await tg.post(update, secret=None) == 401
    assert await tg.post(update, secret="s3cret-and-more") == 401
    assert tg.fake.calls == []
    assert await tg.post(update) == 200  # not recorded by the refused attempts
    assert len(tg.fake.calls_to("sendMessage")) == 1


async def test_no_configured_secret_refuses_everything(
    start_harness: HarnessFactory, sqlite_url: str, fake_telegram: FakeTelegramAPI
) -> None:
    harness = await start_harness(sqlite_url, fake_telegram, TELEGRAM_WEBHOOK_SECRET=None)
    fake_telegram.reset_calls()
    assert await harness.post(tg_message_update("/help", ana()), secret="") == 401
    assert await harness.post(tg_message_update("/help", ana()), secret="anything") == 401
    assert fake_telegram.calls == []


@pytest.mark.parametrize(
    "body",
    ["{not json", "[1, 2]", '{"message": {"text": "hi"}}', '{"update_id": "7"}', '"text"', "\xff\xfe"],
)
async def test_malformed_payloads_are_400(tg: TelegramHarness, body: str) -> None:
    assert await tg.post_raw(body) == 400
    assert tg.fake.calls == []


async def test_ignored_kinds_of_update_are_200_and_silent(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    group = tg_group_chat()
    bot_user = {"id": 999, "is_bot": True, "first_name": "Other", "username": "other_bot"}
    updates = [
        tg_edited_message_update("edited", 5, ana()),
        tg_channel_post_update("/help"),
        tg_sticker_update(ana()),
        tg_photo_update(ana(), caption="look"),
        tg_message_update("just chatting", ana(), group),
        tg_message_update("/help", bot_user),
        {"update_id": 777_001},
        {
            "update_id": 777_002,
            "my_chat_member": {
                "chat": group,
                "from": ana(),
                "date": 1_700_000_000,
                "old_chat_member": {"user": bot_user, "status": "member"},
                "new_chat_member": {
                    "user": bot_user,
                    "status": "administrator",
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                },
            },
        },
        {"update_id": 777_003, "some_future_kind": {"x": 1}},
    ]
    for update in updates:
        assert await tg.post(update) == 200, update
    assert tg.fake.calls_to("sendMessage") == []


async def test_group_settings_points_to_private_chat(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    group = tg_group_chat()
    assert await tg.post(tg_message_update("/settings", ana(), group)) == 200
    call, *private = tg.fake.calls_to("sendMessage")
    assert call.params["chat_id"] in (group["id"], str(group["id"]))
    assert "private chat" in call.params["text"] and "Europe/Berlin" not in call.params["text"]
    # ...and the settings themselves continue in Ana's private chat (issue 11, item 1).
    assert [str(c.params["chat_id"]) for c in private] == [str(ana()["id"])]
    assert "Europe/Berlin" in str(private[0].params)
    (button,) = call.params["reply_markup"]["inline_keyboard"][0]
    assert button["url"] == f"https://t.me/{BOT_USERNAME}"


async def test_same_update_twice_is_handled_once(
    start_harness: HarnessFactory, database_url: str, fake_telegram: FakeTelegramAPI
) -> None:
    first = await start_harness(database_url, fake_telegram)
    second = await start_harness(database_url, fake_telegram, seed=False)  # another process, same database
    fake_telegram.reset_calls()
    update = tg_message_update("/help", tg_user(4242, "Eve"))
    assert await first.post(update) == 200
    assert await first.post(update) == 200
    assert await second.post(update) == 200
    assert len(fake_telegram.calls_to("sendMessage")) == 1


async def test_a_429_on_a_reply_is_waited_out(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", status=429, retry_after=1)
    assert await tg.post(tg_message_update("/help", tg_user(4242, "Eve"))) == 200
    assert tg.fake.rate_limited_count == 1
    assert len(tg.fake.texts_to(4242)) == 1


async def test_command_menu_is_published(
    start_harness: HarnessFactory, sqlite_url: str, fake_telegram: FakeTelegramAPI
) -> None:
    await start_harness(sqlite_url, fake_telegram)
    assert fake_telegram.calls_to("getMe")
    (menu, *_) = fake_telegram.calls_to("setMyCommands")
    names = [c["command"] for c in menu.params["commands"]]
    assert {"help", "settings", "kb", "start", "cancel"} <= set(names)
    assert all(c["description"] for c in menu.params["commands"])
    by_language = {c.params.get("language_code"): c.params["commands"] for c in fake_telegram.calls_to("setMyCommands")}
    assert set(by_language) <= {None, "de", "ja", "pt"}  # Telegram wants two-letter codes: pt, not pt_BR
    if "de" in by_language:
        assert [c["command"] for c in by_language["de"]] == names


async def test_concurrent_redeliveries_are_handled_once(
    start_harness: HarnessFactory, database_url: str, fake_telegram: FakeTelegramAPI
) -> None:
    import asyncio

    harness = await start_harness(database_url, fake_telegram)
    fake_telegram.reset_calls()
    same = tg_message_update("/help", tg_user(4242, "Eve"))
    others = [tg_message_update("/help", tg_user(4300 + n, "Guest")) for n in range(5)]
    statuses = await asyncio.gather(*(harness.post(u) for u in [same, *others, same, same]))
    assert set(statuses) == {200}
    assert len(fake_telegram.texts_to(4242)) == 1
    assert all(len(fake_telegram.texts_to(4300 + n)) == 1 for n in range(5))
