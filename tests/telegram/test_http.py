"""PTB's Bot over our aiohttp request: uploads, timeouts and dead servers end as they did over httpx."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot
from telegram import error as tg

from bot.telegram import make_bot
from bot.telegram.http import AiohttpRequest
from bot.telegram.transport import TelegramTransport
from bot.transport import TransientError
from handlers.model import Attachment, Message
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.harness import TelegramHarness


async def test_a_chart_is_uploaded_as_a_photo_after_its_text(tg: TelegramHarness) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    chart = Attachment("leads.png", png, title="Leads by partner")
    await tg.adapter.transport.send("1001", Message(title="Report", text="see the chart", attachment=chart))
    (text,) = tg.fake.calls_to("sendMessage")
    (photo,) = tg.fake.calls_to("sendPhoto")
    assert "see the chart" in text.params["text"]
    assert photo.params["photo"] == {"filename": "leads.png", "content": png}
    assert photo.params["caption"] == "Leads by partner" and str(photo.params["chat_id"]) == "1001"


async def test_a_reply_the_api_never_answers_times_out_as_a_transient_error(
    fake_telegram: FakeTelegramAPI,
) -> None:
    bot = Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=AiohttpRequest(read_timeout=0.2))
    await bot.initialize()
    hold = fake_telegram.hold_next("sendMessage", after=False)
    try:
        with pytest.raises(TransientError) as caught:
            await TelegramTransport(bot).send("1001", Message(text="hello"))
        assert isinstance(caught.value.__cause__, tg.TimedOut)
    finally:
        hold.release.set()
        await bot.shutdown()


async def test_a_dead_api_is_a_network_error_and_a_closed_bot_opens_again(fake_telegram: FakeTelegramAPI) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    bot = make_bot(fake_telegram.token, dead)
    with pytest.raises(TransientError) as caught:
        await TelegramTransport(bot).send("1001", Message(text="hello"))
    assert isinstance(caught.value.__cause__, tg.NetworkError)
    await bot.shutdown()

    bot = make_bot(fake_telegram.token, fake_telegram.url)
    await bot.initialize()
    await bot.shutdown()
    with pytest.raises(TransientError):  # shut down: nothing is sent (nor a connection pool left open)
        await TelegramTransport(bot).send("1001", Message(text="too late"))
    await bot.initialize()  # PTB may shut a Bot down and start it again
    await TelegramTransport(bot).send("1001", Message(text="hello"))
    await bot.shutdown()
    assert fake_telegram.texts_to(1001) == ["hello"]
