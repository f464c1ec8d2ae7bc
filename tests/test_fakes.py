"""Prove the fake Slack and Telegram APIs are faithful: the real SDK clients must get back the
shapes and the errors they get from the real services, surfaced the way those libraries surface them."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.transport import retry_seconds
from tests.fakes import (
    FakeSlackAPI,
    FakeTelegramAPI,
    app_home_opened_event,
    block_actions_payload,
    event_body,
    event_callback,
    fixtures,
    interaction_body,
    message_event,
    reaction_added_event,
    slack_signed_request,
    slash_command_body,
    tg_callback_query_update,
    tg_channel_post_update,
    tg_edited_message_update,
    tg_group_chat,
    tg_message_update,
    tg_photo_update,
    tg_start_update,
    tg_sticker_update,
    tg_user,
    view_submission_payload,
)

# The shared fixtures, made visible to this module (tests/conftest.py is not ours to edit).
fake_slack = fixtures.fake_slack
fake_telegram = fixtures.fake_telegram
slack_client = fixtures.slack_client
telegram_bot = fixtures.telegram_bot


SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class FakeClock:
    """Stands in for time.monotonic so rate-limit tests step time instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Claim", callback_data=data)]])


# -- Slack: shapes -----------------------------------------------------------------------------


async def test_auth_test_has_the_fields_bolt_needs(slack_client: AsyncWebClient) -> None:
    response = await slack_client.auth_test()
    assert response["ok"] is True
    assert {"url", "team", "user", "team_id", "user_id", "bot_id"} <= response.data.keys()


async def test_invalid_token_is_invalid_auth(fake_slack: FakeSlackAPI) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=fake_slack.url)
    with pytest.raises(SlackApiError) as caught:
        await client.auth_test()
    assert caught.value.response["error"] == "invalid_auth"


async def test_post_message_returns_real_shape_and_unique_increasing_ts(
    fake_slack: FakeSlackAPI, slack_client: AsyncWebClient
) -> None:
    fake_slack.add_channel("C0SUPPORT", "support")
    first = await slack_client.chat_postMessage(channel="C0SUPPORT", text="hello")
    second = await slack_client.chat_postMessage(channel="#support", text="again", thread_ts=first["ts"])
    assert first["channel"] == second["channel"] == "C0SUPPORT"
    assert float(second["ts"]) > float(first["ts"])
    assert len(first["ts"].split(".")[1]) == 6
    assert first["message"]["text"] == "hello" and first["message"]["bot_id"] == fake_slack.bot_id
    assert fake_slack.replies("C0SUPPORT", first["ts"])[0]["text"] == "again"
    assert fake_slack.calls_to("chat.postMessage")[0].params["text"] == "hello"


async def test_update_changes_the_stored_message(fake_slack: FakeSlackAPI, slack_client: AsyncWebClient) -> None:
    fake_slack.add_channel("C0SUPPORT")
    posted = await slack_client.chat_postMessage(channel="C0SUPPORT", text="open")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*resolved*"}}]
    updated = await slack_client.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="resolved", blocks=blocks)
    assert (updated["channel"], updated["ts"], updated["text"]) == ("C0SUPPORT", posted["ts"], "resolved")
    stored = fake_slack.message("C0SUPPORT", posted["ts"])
    assert stored["text"] == "resolved" and stored["blocks"] == blocks and "edited" in stored


async def test_ephemeral_views_users_and_dm(fake_slack: FakeSlackAPI, slack_client: AsyncWebClient) -> None:
    fake_slack.add_user("U0ANA", "ana@acme.example", "ana", tz="Europe/Berlin", real_name="Ana Silva")
    fake_slack.add_channel("C0SUPPORT")
    ephemeral = await slack_client.chat_postEphemeral(channel="C0SUPPORT", user="U0ANA", text="psst")
    assert ephemeral["message_ts"]

    info = await slack_client.users_info(user="U0ANA")
    assert info["user"]["profile"]["email"] == "ana@acme.example"
    assert (info["user"]["tz"], info["user"]["real_name"]) == ("Europe/Berlin", "Ana Silva")
    with pytest.raises(SlackApiError) as caught:
        await slack_client.users_info(user="U0NOBODY")
    assert caught.value.response["error"] == "user_not_found"

    opened = await slack_client.conversations_open(users="U0ANA")
    assert opened["channel"]["id"].startswith("D")
    dm = await slack_client.chat_postMessage(channel="U0ANA", text="hi")
    assert dm["channel"] == opened["channel"]["id"]

    modal = {
        "type": "modal",
        "callback_id": "deal.register",
        "title": {"type": "plain_text", "text": "Register a deal"},
        "blocks": [],
    }
    view = (await slack_client.views_open(trigger_id="123.456.abc", view=modal))["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "deal.register"
    updated = await slack_client.views_update(view_id=view["id"], view=modal, hash=view["hash"])
    assert updated["view"]["id"] == view["id"]
    with pytest.raises(SlackApiError) as caught:
        await slack_client.views_update(view_id=view["id"], view=modal, hash=view["hash"])
    assert caught.value.response["error"] == "hash_conflict"
    home = await slack_client.views_publish(user_id="U0ANA", view={"type": "home", "blocks": []})
    assert home["view"]["type"] == "home" and fake_slack.home_views["U0ANA"]["id"] == home["view"]["id"]


# -- Slack: errors and limits ------------------------------------------------------------------


async def test_slack_content_errors(fake_slack: FakeSlackAPI, slack_client: AsyncWebClient) -> None:
    fake_slack.add_channel("C0SUPPORT")

    async def error_of(**kwargs: Any) -> SlackApiError:
        with pytest.raises(SlackApiError) as caught:
            await slack_client.chat_postMessage(channel="C0SUPPORT", **kwargs)
        return caught.value

    assert (await error_of(text="x" * 40_001)).response["error"] == "msg_too_long"
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    error = await error_of(text="t", blocks=long_section)
    assert error.response["error"] == "invalid_blocks"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    too_many = [{"type": "divider"}] * 51
    assert "no more than 50 items" in (await error_of(text="t", blocks=too_many)).response["errors"][0]

    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_update(channel="C0SUPPORT", ts="1.000001", text="x")
    assert caught.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_postMessage(channel="C0NOWHERE", text="x")
    assert caught.value.response["error"] == "channel_not_found"


async def test_channel_rate_limit_answers_429_with_retry_after() -> None:
    clock = FakeClock()
    async with FakeSlackAPI(channel_rate_per_s=1.0, clock=clock) as slack:
        slack.add_channel("C0SUPPORT")
        client = AsyncWebClient(token=slack.token, base_url=slack.url)
        await client.chat_postMessage(channel="C0SUPPORT", text="one")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C0SUPPORT", text="two")
        assert caught.value.response.status_code == 429
        assert caught.value.response["error"] == "ratelimited"
        assert caught.value.response.headers["Retry-After"] == "1"
        assert slack.rate_limited_count == 1
        clock.advance(1.0)
        assert (await client.chat_postMessage(channel="C0SUPPORT", text="two"))["ok"]


async def test_sdk_retry_handler_honours_retry_after(fake_slack: FakeSlackAPI) -> None:
    fake_slack.add_channel("C0SUPPORT")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=0)  # 0 s keeps the test fast
    client = AsyncWebClient(
        token=fake_slack.token, base_url=fake_slack.url, retry_handlers=[AsyncRateLimitErrorRetryHandler()]
    )
    assert (await client.chat_postMessage(channel="C0SUPPORT", text="eventually"))["ok"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_injected_slack_failures(fake_slack: FakeSlackAPI, slack_client: AsyncWebClient) -> None:
    fake_slack.add_channel("C0SUPPORT")
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    fake_slack.fail_next("chat.update", status=500)
    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_postMessage(channel="C0SUPPORT", text="x")
    assert caught.value.response["error"] == "not_in_channel"
    posted = await slack_client.chat_postMessage(channel="C0SUPPORT", text="x")
    with pytest.raises(SlackApiError) as caught:
        await slack_client.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="y")
    assert caught.value.response.status_code == 500


async def test_form_and_json_bodies_are_both_understood(fake_slack: FakeSlackAPI) -> None:
    fake_slack.add_channel("C0SUPPORT")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {fake_slack.token}"}) as http:
        blocks = json.dumps([{"type": "divider"}])
        async with http.post(f"{fake_slack.url}chat.postMessage", data={"channel": "C0SUPPORT", "blocks": blocks}) as r:
            form = await r.json()
        async with http.post(f"{fake_slack.url}chat.postMessage", json={"channel": "C0SUPPORT", "text": "j"}) as r:
            as_json = await r.json()
    assert form["ok"] and form["message"]["blocks"] == [{"type": "divider"}]
    assert as_json["ok"] and as_json["message"]["text"] == "j"


# -- Slack: payload builders through slack-bolt ------------------------------------------------


async def test_payload_builders_are_routed_by_slack_bolt(fake_slack: FakeSlackAPI) -> None:
    fake_slack.add_user("U0ANA", "ana@acme.example", "ana")
    fake_slack.add_channel("C0SUPPORT")
    seen: list[str] = []
    app = AsyncApp(
        client=AsyncWebClient(token=fake_slack.token, base_url=fake_slack.url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    @app.command("/partner")
    async def command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        seen.append(f"command:{body['text']}")
        await respond("on it")

    @app.action("lead.claim")
    async def claim(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.append(f"action:{body['actions'][0]['value']}")
        await client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="claimed")

    @app.view("deal.register")
    async def submit(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        seen.append(f"view:{view['state']['values']['company']['company']['value']}")

    @app.event("message")
    async def dm(event: dict[str, Any]) -> None:
        seen.append(f"im:{event['text']}")

    @app.event("app_home_opened")
    async def home(event: dict[str, Any]) -> None:
        seen.append(f"home:{event['user']}")

    @app.event("reaction_added")
    async def reacted(event: dict[str, Any]) -> None:
        seen.append(f"reaction:{event['reaction']}")

    offer = await app.client.chat_postMessage(channel="C0SUPPORT", text="New lead")
    bodies = [
        slash_command_body("claim L-42", response_url=fake_slack.response_url("cmd")),
        interaction_body(
            block_actions_payload("lead.claim", "L-42", message=fake_slack.message("C0SUPPORT", offer["ts"]))
        ),
        interaction_body(view_submission_payload("deal.register", {"company": "Globex"})),
        event_body(event_callback(message_event("where is my commission?"))),
        event_body(event_callback(app_home_opened_event("U0ANA"))),
        event_body(event_callback(reaction_added_event("ticket", ts=offer["ts"]))),
    ]
    for body in bodies:
        response = await app.async_dispatch(
            AsyncBoltRequest(body=body, headers=slack_signed_request(SIGNING_SECRET, body))
        )
        assert response.status == 200, response.body

    assert seen == [
        "command:claim L-42",
        "action:L-42",
        "view:Globex",
        "im:where is my commission?",
        "home:U0ANA",
        "reaction:ticket",
    ]
    assert fake_slack.responses[0].method == "cmd" and fake_slack.responses[0].params["text"] == "on it"
    assert fake_slack.message("C0SUPPORT", offer["ts"])["text"] == "claimed"

    stale = slash_command_body("x")
    response = await app.async_dispatch(
        AsyncBoltRequest(body=stale, headers=slack_signed_request(SIGNING_SECRET, stale, timestamp=1))
    )
    assert response.status == 401


def test_signature_matches_slack_sdk_verifier() -> None:
    body = slash_command_body("help")
    headers = slack_signed_request(SIGNING_SECRET, body)
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(body + "x", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])


# -- Telegram: shapes --------------------------------------------------------------------------


async def test_get_me_and_send_message_shape(fake_telegram: FakeTelegramAPI, telegram_bot: Bot) -> None:
    assert telegram_bot.username == fake_telegram.me["username"] and telegram_bot.bot.is_bot
    first = await telegram_bot.send_message(1001, "hello", reply_markup=keyboard("lead.claim|42"))
    second = await telegram_bot.send_message(1001, "again")
    other = await telegram_bot.send_message(-1001234567890, "group hello")
    assert second.message_id == first.message_id + 1 and other.message_id == 1
    assert first.chat.type == "private" and other.chat.type == "supergroup"
    assert first.from_user is not None and first.from_user.id == fake_telegram.me["id"]
    assert first.reply_markup == keyboard("lead.claim|42")
    assert fake_telegram.texts_to(1001) == ["hello", "again"]
    assert fake_telegram.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Claim"


async def test_edits_are_stored_and_a_text_edit_without_markup_drops_the_keyboard(
    fake_telegram: FakeTelegramAPI, telegram_bot: Bot
) -> None:
    sent = await telegram_bot.send_message(1001, "offer", reply_markup=keyboard("lead.claim|42"))
    edited = await telegram_bot.edit_message_reply_markup(
        1001, sent.message_id, reply_markup=keyboard("lead.accept|42")
    )
    assert isinstance(edited, object) and fake_telegram.message(1001, sent.message_id)["reply_markup"] == (
        keyboard("lead.accept|42").to_dict()
    )
    await telegram_bot.edit_message_text("claimed", 1001, sent.message_id)
    stored = fake_telegram.message(1001, sent.message_id)
    assert stored["text"] == "claimed" and "reply_markup" not in stored and "edit_date" in stored
    assert await telegram_bot.edit_message_text("inline", inline_message_id="AAAA") is True


async def test_markdown_v2_is_parsed_into_entities(telegram_bot: Bot) -> None:
    sent = await telegram_bot.send_message(1001, r"*Lead* L\-42 claimed\.", parse_mode="MarkdownV2")
    assert sent.text == "Lead L-42 claimed."
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4)]


# -- Telegram: errors, exactly as PTB surfaces them --------------------------------------------


async def test_telegram_bad_requests(fake_telegram: FakeTelegramAPI, telegram_bot: Bot) -> None:
    async def bad(coro: Any) -> str:
        with pytest.raises(BadRequest) as caught:
            await coro
        return caught.value.message

    assert (await telegram_bot.send_message(1001, "x" * 4096)).text == "x" * 4096
    assert await bad(telegram_bot.send_message(1001, "x" * 4097)) == "Message is too long"
    assert await bad(telegram_bot.send_message(1001, "b", reply_markup=keyboard("x" * 65))) == "Button_data_invalid"
    assert await bad(telegram_bot.send_message(1001, "Done.", parse_mode="MarkdownV2")) == (
        "Can't parse entities: character '.' is reserved and must be escaped with the preceding '\\'"
    )
    assert await bad(telegram_bot.send_message(1001, "*open", parse_mode="MarkdownV2")) == (
        "Can't parse entities: can't find end of bold entity at byte offset 0"
    )
    sent = await telegram_bot.send_message(1001, "same", reply_markup=keyboard("a|1"))
    assert await bad(telegram_bot.edit_message_text("same", 1001, sent.message_id, reply_markup=keyboard("a|1"))) == (
        "Message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )
    assert await bad(telegram_bot.edit_message_text("x", 1001, 999_999)) == "Message to edit not found"
    fake_telegram.mark_chat_unknown(5555)
    assert await bad(telegram_bot.send_message(5555, "x")) == "Chat not found"


async def test_blocked_user_is_forbidden(fake_telegram: FakeTelegramAPI, telegram_bot: Bot) -> None:
    fake_telegram.block_chat(1001)
    with pytest.raises(Forbidden) as caught:
        await telegram_bot.send_message(1001, "nudge")
    assert caught.value.message == "Forbidden: bot was blocked by the user"


async def test_unknown_token_is_rejected(fake_telegram: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken):
        await Bot("42:wrong", base_url=fake_telegram.base_url).initialize()


async def test_telegram_flood_limits_raise_retry_after() -> None:
    clock = FakeClock()
    async with FakeTelegramAPI(enforce_limits=True, clock=clock) as tg:
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            await bot.send_message(1001, "one")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(1001, "two")
            assert retry_seconds(caught.value) == 1 and tg.rate_limited_count == 1
            await bot.send_message(1002, "another chat is fine")
            group = -1001234567890
            for _ in range(20):
                clock.advance(1.0)
                await bot.send_message(group, "announcement")
            clock.advance(1.0)
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(group, "one too many")
            assert retry_seconds(caught.value) == 40  # the first of the 20 leaves the minute window then
            assert tg.calls_to("sendMessage")[-1].params["text"] == "one too many"


async def test_injected_telegram_failures(fake_telegram: FakeTelegramAPI, telegram_bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", status=502)
    fake_telegram.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(NetworkError) as network:
        await telegram_bot.send_message(1001, "x")
    assert network.value.message == "Bad Gateway"
    with pytest.raises(RetryAfter) as retry:
        await telegram_bot.send_message(1001, "x")
    assert retry_seconds(retry.value) == 7
    assert (await telegram_bot.send_message(1001, "x")).text == "x"


async def test_callback_answers_commands_and_webhook(fake_telegram: FakeTelegramAPI, telegram_bot: Bot) -> None:
    assert await telegram_bot.answer_callback_query("q1", text="Claimed") is True
    assert fake_telegram.callback_answers["q1"]["text"] == "Claimed"
    with pytest.raises(BadRequest, match="Query is too old"):
        await telegram_bot.answer_callback_query("q1")

    assert await telegram_bot.set_my_commands([("start", "Start"), ("claim", "Claim a lead")]) is True
    assert [c.command for c in await telegram_bot.get_my_commands()] == ["start", "claim"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await telegram_bot.set_my_commands([("Bad-Command", "nope")])

    assert await telegram_bot.set_webhook("https://bot.example/telegram/webhook", secret_token="s3cret") is True
    assert (await telegram_bot.get_webhook_info()).url == "https://bot.example/telegram/webhook"
    with pytest.raises(Conflict):
        await telegram_bot.get_updates()
    assert await telegram_bot.delete_webhook() is True


async def test_get_updates_honours_offset_and_wakes_a_long_poll(
    fake_telegram: FakeTelegramAPI, telegram_bot: Bot
) -> None:
    first = fake_telegram.push_update(tg_message_update("hi"))
    fake_telegram.push_update(tg_message_update("there"))
    updates = await telegram_bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["hi", "there"]
    updates = await telegram_bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert updates == () and first > 0 and fake_telegram.pending_updates == []

    polls_before = len(fake_telegram.calls_to("getUpdates"))
    poll = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await fake_telegram.until(lambda: len(fake_telegram.calls_to("getUpdates")) > polls_before)  # it is waiting
    fake_telegram.push_update(tg_message_update("late"))
    updates = await asyncio.wait_for(poll, 1.0)
    assert updates[0].message is not None and updates[0].message.text == "late"


async def test_raw_json_calls_like_the_product_makes(fake_telegram: FakeTelegramAPI) -> None:
    url = f"{fake_telegram.url}/bot{fake_telegram.token}/sendMessage"
    async with aiohttp.ClientSession() as http, http.post(url, json={"chat_id": 7, "text": "raw"}) as response:
        body = await response.json()
    assert response.status == 200 and body["result"]["text"] == "raw"
    async with aiohttp.ClientSession() as http, http.post(url, json={"chat_id": 7, "text": "x" * 5000}) as response:
        body = await response.json()
    assert (response.status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )


# -- Telegram: update builders through PTB -----------------------------------------------------


@pytest_asyncio.fixture
async def webhook_receiver() -> AsyncIterator[tuple[str, list[tuple[dict[str, Any], str | None]]]]:
    """A stand-in for our /telegram/webhook endpoint, to prove deliver_webhook sends what Telegram sends."""
    received: list[tuple[dict[str, Any], str | None]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response()

    app = web.Application()
    app.router.add_post("/telegram/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/telegram/webhook", received
    await runner.cleanup()


async def test_deliver_webhook_sends_the_secret_header(
    fake_telegram: FakeTelegramAPI,
    telegram_bot: Bot,
    webhook_receiver: tuple[str, list[tuple[dict[str, Any], str | None]]],
) -> None:
    url, received = webhook_receiver
    await telegram_bot.set_webhook(url, secret_token="s3cret")
    assert await fake_telegram.deliver_webhook(tg_start_update("CODE123")) == 200
    assert received[0][0]["message"]["text"] == "/start CODE123" and received[0][1] == "s3cret"


async def test_update_builders_parse_in_ptb_and_route_commands(fake_telegram: FakeTelegramAPI) -> None:
    app = Application.builder().token(fake_telegram.token).base_url(fake_telegram.base_url).updater(None).build()
    started: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started.append(list(context.args or []))

    app.add_handler(CommandHandler("start", start))
    nameless = tg_user(2002, "Bo", username=None)
    async with app:
        await app.process_update(Update.de_json(tg_start_update("CODE_abc-1", nameless), app.bot))
        offer = await app.bot.send_message(2002, "offer", reply_markup=keyboard("lead.claim|42"))
    assert started == [["CODE_abc-1"]]

    raw_updates = [
        tg_message_update("hello", chat=tg_group_chat()),
        tg_callback_query_update("lead.claim|42", nameless, fake_telegram.message(2002, offer.message_id)),
        tg_edited_message_update("edited", 77),
        tg_channel_post_update("news"),
        tg_sticker_update(),
        tg_photo_update(caption="receipt"),
    ]
    updates = [Update.de_json(raw, app.bot) for raw in raw_updates]
    assert updates[0].effective_chat is not None and updates[0].effective_chat.type == "supergroup"
    query = updates[1].callback_query
    assert query is not None and query.data == "lead.claim|42" and query.from_user.username is None
    assert query.message is not None and query.message.message_id == offer.message_id
    assert updates[2].edited_message is not None and updates[2].edited_message.text == "edited"
    assert updates[3].channel_post is not None and updates[3].effective_user is None
    assert updates[4].message is not None and updates[4].message.text is None and updates[4].message.sticker
    assert updates[5].message is not None and updates[5].message.caption == "receipt"
