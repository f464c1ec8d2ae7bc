"""Several `serve --telegram-polling` processes: exactly one polls, the others wait and take over.

Each harness is its own app with its own engine on one database file, as two processes would be; the
fake answers a second concurrent getUpdates with Telegram's 409 "terminated by other getUpdates request".
"""

from __future__ import annotations

import asyncio

import pytest

import bot.leases
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_updates import tg_message_update, tg_user
from tests.telegram.conftest import HarnessFactory


async def test_two_polling_processes_poll_one_at_a_time_and_the_second_takes_over(
    start_harness: HarnessFactory,
    sqlite_url: str,
    fake_telegram: FakeTelegramAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(bot.leases, "LEASE_SECONDS", 0.6)
    caplog.set_level("INFO", logger="bot.leases")
    first = await start_harness(sqlite_url, fake_telegram)
    second = await start_harness(sqlite_url, fake_telegram, seed=False)
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = []
    for harness, stop in zip((first, second), stops, strict=True):
        harness.app.services["telegram_polling"] = True
        tasks.append(asyncio.create_task(harness.adapter.poll(harness.app, stop)))
        # The first one started holds the lease before the second one starts.
        await fake_telegram.until(lambda: bool(fake_telegram.calls_to("getUpdates")))

    fake_telegram.push_update(tg_message_update("/help", tg_user(4242, "Eve")))
    await fake_telegram.until(lambda: bool(fake_telegram.texts_to(4242)))
    await asyncio.sleep(1.0)  # several renewals by the holder and checks by the waiting process
    assert fake_telegram.polling_conflicts == 0
    assert len(fake_telegram.texts_to(4242)) == 1
    assert any("another process holds it" in r.getMessage() for r in caplog.records)

    # The holder stops (a deploy, a crash): the other process takes over within one lease.
    stops[0].set()
    await asyncio.wait_for(tasks[0], timeout=5)
    fake_telegram.push_update(tg_message_update("/help", tg_user(4343, "Fay")))
    await fake_telegram.until(lambda: bool(fake_telegram.texts_to(4343)))
    assert fake_telegram.polling_conflicts == 0
    assert len(fake_telegram.texts_to(4343)) == 1
    stops[1].set()
    await asyncio.wait_for(tasks[1], timeout=5)
