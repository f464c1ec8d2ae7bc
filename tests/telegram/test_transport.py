"""TelegramTransport against the fake Bot API, alone and under the real Sender."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.transport import TelegramTransport
from bot.transport import MessageGone, PermanentError, RetryAfter, TransientError
from domain import outbox
from handlers.model import Button, Message
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_updates import tg_message_update, tg_user
from tests.telegram.conftest import HarnessFactory
from tests.telegram.harness import TelegramHarness


def transport(tg: TelegramHarness) -> TelegramTransport:
    return tg.adapter.transport


async def test_send_and_edit_round_trip(tg: TelegramHarness) -> None:
    ref = await transport(tg).send(
        "1001", Message(title="Lead", text="open", buttons=[Button("Claim", "lead.claim", "7")])
    )
    await transport(tg).edit("1001", ref, Message(title="Lead", text="claimed"))
    stored = tg.fake.message(1001, int(ref))
    assert stored["text"] == "Lead\nclaimed" and "reply_markup" not in stored
    await transport(tg).edit("1001", ref, Message(title="Lead", text="claimed"))  # not modified = fine
    with pytest.raises(MessageGone):
        await transport(tg).edit("1001", "999999", Message(text="x"))


async def test_failures_are_mapped(tg: TelegramHarness) -> None:
    tg.fake.block_chat(2002)
    with pytest.raises(PermanentError):
        await transport(tg).send("2002", Message(text="nudge"))
    tg.fake.mark_chat_unknown(3003)
    with pytest.raises(PermanentError):
        await transport(tg).send("3003", Message(text="hello"))
    tg.fake.fail_next("sendMessage", status=502)
    with pytest.raises(TransientError):
        await transport(tg).send("1001", Message(text="x"))
    tg.fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await transport(tg).send("1001", Message(text="x"))
    assert caught.value.seconds == 7


async def test_long_message_arrives_in_parts(tg: TelegramHarness) -> None:
    body = "\n\n".join(f"Section {i}. " + "Partners <must> register & wait. " * 30 for i in range(20))
    ref = await transport(tg).send("1001", Message(title="Guide", text=body, buttons=[Button("Ok", "kb.helpful", "1")]))
    calls = tg.fake.calls_to("sendMessage")
    texts = tg.fake.texts_to(1001)
    assert len(calls) == len(texts) > 1  # every part accepted: no "message is too long"
    assert all(len(t) <= 4096 for t in texts)
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert int(ref) == tg.fake.sent_to(1001)[-1]["message_id"]


def test_limits_per_chat_group_and_bot() -> None:
    t = TelegramTransport(bot=None)  # type: ignore[arg-type]
    assert t.limits("1001") == [("telegram:chat:1001", 1.0), ("telegram:bot", 1 / 30)]
    assert ("telegram:group:-100123", 3.0) in t.limits("-100123")


async def _enqueue(tg: TelegramHarness, key: str, kind: str, payload: dict[str, str] | None = None) -> None:
    async with tg.app.uow() as uow:
        await outbox.enqueue(
            uow.session,
            key=key,
            kind=kind,
            payload=payload,
            platform="telegram",
            chat_id="1001",
            ref_key="invite-ana",
            not_before=tg.clock(),
        )
        await uow.commit()


async def test_sender_delivers_and_a_later_row_with_the_same_ref_edits(tg: TelegramHarness) -> None:
    await _enqueue(tg, "reminder-1", "link.reminder")
    assert await tg.app.sender().drain() == 1
    (first,) = tg.fake.sent_to(1001)
    assert "waiting" in first["text"]
    await _enqueue(
        tg, "reminder-2", "link.reminder_cam", {"name": "Ana", "email": "ana@acme.example", "partner": "Acme"}
    )
    assert await tg.app.sender().drain() == 1
    (edited,) = tg.fake.sent_to(1001)
    assert edited["message_id"] == first["message_id"] and "Invited but not linked" in edited["text"]
    assert len(tg.fake.calls_to("editMessageText")) == 1 and len(tg.fake.calls_to("sendMessage")) == 1


async def test_sender_honours_429_and_delivers_later(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", status=429, retry_after=1)
    await _enqueue(tg, "reminder-1", "link.reminder")
    sender = tg.app.sender()
    await sender.drain()
    assert tg.fake.rate_limited_count == 1 and tg.fake.sent_to(1001) == []
    tg.clock.advance(seconds=2)  # the row waits the time Telegram named
    await sender.drain()
    assert len(tg.fake.sent_to(1001)) == 1


async def test_sender_under_the_fakes_flood_limits(
    start_harness: HarnessFactory, sqlite_url: str, clock: object
) -> None:
    async with FakeTelegramAPI(enforce_limits=True) as fake:
        tg = await start_harness(sqlite_url, fake)
        async with tg.app.uow() as uow:
            for n in range(40):
                await outbox.enqueue(
                    uow.session,
                    key=f"r{n}",
                    kind="link.reminder",
                    platform="telegram",
                    chat_id=str(5000 + n),
                    not_before=tg.clock(),
                )
            await uow.commit()
        await tg.app.sender().drain()
        assert fake.rate_limited_count == 0
        assert sum(len(fake.sent_to(5000 + n)) for n in range(40)) == 40


async def test_polling_picks_up_pushed_updates(
    start_harness: HarnessFactory, sqlite_url: str, fake_telegram: FakeTelegramAPI
) -> None:
    tg = await start_harness(sqlite_url, fake_telegram)
    fake_telegram.webhook = {"url": "https://old.example/hook"}  # polling must remove it first
    tg.app.services["telegram_polling"] = True
    stop = asyncio.Event()
    task = asyncio.create_task(tg.adapter.poll(tg.app, stop))
    fake_telegram.push_update(tg_message_update("/help", tg_user(4242, "Eve")))
    await fake_telegram.until(lambda: bool(fake_telegram.texts_to(4242)))
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert fake_telegram.calls_to("deleteWebhook") and fake_telegram.webhook is None
    (text,) = fake_telegram.texts_to(4242)
    assert "Link your chat" in text


async def test_no_polling_unless_asked(tg: TelegramHarness) -> None:
    stop = asyncio.Event()
    await asyncio.wait_for(tg.adapter.poll(tg.app, stop), timeout=1)
    assert tg.fake.calls_to("getUpdates") == []
