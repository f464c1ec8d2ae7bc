"""Thread round trip: an agent's reply in a ticket's Slack thread → the partner's Telegram chat.

Ours goes through everything production does: the signed event to our `/slack/events`, the signature
check, the event id recorded, the thread's root looked up, the dispatcher, the ticket's history and
event, the outbox row, the sender woken by the commit, python-telegram-bot to the fake Bot API. The
baseline is a bare relay: a slack-bolt app whose `message` listener posts the same text straight to
the same Telegram fake. Same events, same fakes, one run; the ratio of the p50s is what to compare
(target ≤ 2).

    python benchmarks/tickets_thread_roundtrip.py [--n 100] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert  # noqa: E402

import bot.slack  # noqa: E402
from bot.app import App, build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.demo import demo_file  # noqa: E402
from bot.http import build_web_app  # noqa: E402
from bot.importer import import_file  # noqa: E402
from bot.runtime import platform_transports  # noqa: E402
from bot.telegram import install as install_telegram  # noqa: E402
from domain.db import create_engine  # noqa: E402
from domain.people import attach_identity, by_email, view_of  # noqa: E402
from domain.tickets import services  # noqa: E402
from domain.tickets.desk import Desk  # noqa: E402
from tests.fakes import (  # noqa: E402
    FakeSlackAPI,
    FakeTelegramAPI,
    event_body,
    event_callback,
    message_event,
    slack_signed_request,
)

SECRET = "bench-signing-secret"
SUPPORT, SAM, ANA_TG = "C0SUPPORT", "U0SAM", 1001
SPACING = 1.1  # seconds between replies, above Telegram's per-chat floor, so each is measured alone


async def _serve(handler: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(handler, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def _post(http: aiohttp.ClientSession, url: str, body: str) -> None:
    headers = {**slack_signed_request(SECRET, body), "Content-Type": "application/json"}
    async with http.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        assert response.status == 200, response.status


async def _timed(
    http: aiohttp.ClientSession, url: str, tg: FakeTelegramAPI, events: list[dict[str, Any]]
) -> list[float]:
    """Post each event and wait until its text reached the partner's Telegram chat; ms per event."""
    latencies = []
    for n, event in enumerate(events):
        if n:
            await asyncio.sleep(SPACING)  # Telegram takes one message a second per chat: wait it out
        text = event["text"]
        started = time.perf_counter()
        await _post(http, url, event_body(event_callback(event)))
        await tg.until(lambda text=text: any(text in t for t in tg.texts_to(ANA_TG)), 10.0)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def ours(n: int, slack: FakeSlackAPI, tg: FakeTelegramAPI, folder: str) -> list[float]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder}/roundtrip.db",
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_URL=tg.url,
        TELEGRAM_WEBHOOK_SECRET="s3cret",
        PARTNERBOT_SLACK_SUPPORT_CHANNEL=SUPPORT,
    )
    app: App = build_app(settings)
    await app.migrate()
    for kind in ("partners", "people"):
        await import_file(app, kind, demo_file(kind), skip_invalid=False)
    if "slack" not in app.services:
        bot.slack.install(app)
    if "telegram" not in app.services:
        install_telegram(app)
    await platform_transports(app)
    now = dt.datetime.now(dt.UTC)
    async with app.uow() as uow:
        for email, platform, user, chat in (
            ("ana@acme.example", "telegram", str(ANA_TG), str(ANA_TG)),
            ("sam.support@vendor.example", "slack", SAM, "D0SAM"),
        ):
            person = await by_email(uow.session, email)
            assert person is not None
            person.quiet_hours = "off"  # whatever the hour the benchmark runs at
            await attach_identity(
                uow.session, person, platform=platform, user_id=user, chat_id=chat, username=None, now=now
            )
        await uow.commit()
        ana = await by_email(uow.session, "ana@acme.example")
        assert ana is not None
        ana_view = view_of(ana)
    desk = app.deps.services[Desk]
    for i in range(n):
        await services.open_ticket(
            app.uow,
            ana_view,
            category="technical_product",
            severity="low",
            subject=f"Benchmark ticket {i}",
            description="x",
            related=None,
            submission_key=f"bench-{i}",
            now=now,
            desk=desk,
        )
    await app.sender().drain()
    roots = sorted(slack.messages(SUPPORT), key=lambda m: float(m["ts"]))
    assert len(roots) == n, len(roots)
    stop = asyncio.Event()
    sender = asyncio.create_task(app.sender().run_forever(stop))
    runner, base = await _serve(build_web_app(app))
    try:
        events = [
            message_event(
                f"ours-{i} please retry now", user=SAM, channel=SUPPORT, channel_type="channel", thread_ts=root["ts"]
            )
            for i, root in enumerate(roots)
        ]
        async with aiohttp.ClientSession() as http:
            return await _timed(http, base + "/slack/events", tg, events)
    finally:
        stop.set()
        await sender
        await runner.cleanup()
        await app.close()


async def bare(n: int, slack: FakeSlackAPI, tg: FakeTelegramAPI, record: str | None = None) -> list[float]:
    """slack-bolt verifying the signature and posting the text straight to the Telegram fake; given
    `record` (a SQLite file), it first writes the text in one transaction through our engine, the least
    a relay that loses nothing must do before it sends (a floor for ours, not a baseline)."""
    client = AsyncWebClient(token=slack.token, base_url=slack.url)
    bolt = AsyncApp(client=client, signing_secret=SECRET)
    http = aiohttp.ClientSession()
    engine = create_engine(f"sqlite+aiosqlite:///{record}") if record else None
    replies = Table("relayed", MetaData(), Column("id", Integer, primary_key=True), Column("text", Text))
    if engine is not None:
        async with engine.begin() as connection:
            await connection.run_sync(replies.metadata.create_all)

    @bolt.event("message")
    async def relay(event: dict[str, Any]) -> None:
        if engine is not None:
            async with engine.begin() as connection:
                await connection.execute(insert(replies).values(text=event["text"]))
        url = f"{tg.url}/bot{tg.token}/sendMessage"
        async with http.post(url, json={"chat_id": ANA_TG, "text": event["text"]}) as response:
            await response.read()

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    handler = web.Application()
    handler.router.add_post("/slack/events", endpoint)
    runner, base = await _serve(handler)
    try:
        events = [
            message_event(
                f"{'recorded' if record else 'bare'}-{i} please retry now",
                user=SAM,
                channel=SUPPORT,
                channel_type="channel",
                thread_ts="1700000000.000100",
            )
            for i in range(n)
        ]
        async with aiohttp.ClientSession() as client:
            return await _timed(client, base + "/slack/events", tg, events)
    finally:
        await runner.cleanup()
        await http.close()
        if engine is not None:
            await engine.dispose()


def _row(name: str, ms: list[float], baseline: float) -> str:
    p50 = statistics.median(ms)
    p99 = sorted(ms)[min(len(ms) - 1, max(0, round(0.99 * len(ms)) - 1))]
    return f"{name:<34} {len(ms):>5} {p50:>9.1f} {p99:>9.1f} {p50 / baseline:>7.2f}"


async def main_async(n: int) -> None:
    slack, tg = FakeSlackAPI(), FakeTelegramAPI()
    slack.add_user(SAM, "sam.support@vendor.example", "sam", real_name="Sam Okafor")
    slack.add_channel(SUPPORT, "partner-support")
    tg.add_chat(ANA_TG, first_name="Ana")  # she has opened the bot: it may write to her
    async with slack, tg:
        folder = tempfile.mkdtemp(prefix="pb-roundtrip-")
        base_ms = await bare(n, slack, tg)
        recorded_ms = await bare(n, slack, tg, record=f"{folder}/relayed.db")
        ours_ms = await ours(n, slack, tg, folder)
    baseline = statistics.median(base_ms)
    print(f"\nthread reply → partner's Telegram chat, {n} replies one after another (ms)")
    print(f"{'path':<34} {'n':>5} {'p50':>9} {'p99':>9} {'ratio':>7}")
    print(_row("bare slack-bolt relay", base_ms, baseline))
    print(_row("bare relay, one insert first (floor)", recorded_ms, baseline))
    print(_row("partnerbot (SQLite, outbox, sender)", ours_ms, baseline))
    print(f"ratio of p50s (target <= 2): {statistics.median(ours_ms) / baseline:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="30 replies")
    args = parser.parse_args()
    asyncio.run(main_async(30 if args.quick else args.n))


if __name__ == "__main__":
    main()
