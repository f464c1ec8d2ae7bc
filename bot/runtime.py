"""Running the product: the HTTP server, the sweep ticker and the sender, until stopped."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.http import build_web_app
from bot.startup import Running, summary
from bot.transport import Transport

logger = logging.getLogger(__name__)
TICK_SECONDS = 60


async def platform_transports(app: App) -> dict[str, Transport]:
    """The transports of every platform switched on in the settings (Slack, Telegram)."""
    for setup in app.services.get("platform_setups", []):
        await setup(app)
    return dict(app.transports)


async def serve_forever(
    app: App, *, scheduler: bool = True, sender: bool = True, telegram_polling: bool = False
) -> None:
    await platform_transports(app)
    app.services["telegram_polling"] = telegram_polling
    web_app = build_web_app(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.host, app.settings.port)
    await site.start()
    lines, warnings = summary(app, Running(scheduler=scheduler, sender=sender, telegram_polling=telegram_polling))
    for line in lines:
        logger.info("%s", line)
    for warning in warnings:
        logger.warning("%s", warning)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            pass
    tasks: list[asyncio.Task[None]] = []
    ticker: AsyncIOScheduler | None = None
    sweeping = asyncio.Lock()
    if scheduler:
        ticker = AsyncIOScheduler(timezone="UTC")

        async def tick() -> None:
            if stop.is_set():
                return
            async with sweeping:
                counts = await app.sweep(dt.datetime.now(dt.UTC))
            if any(counts.values()):
                logger.info("sweep: %s", counts)

        ticker.add_job(
            tick,
            "interval",
            seconds=TICK_SECONDS,
            next_run_time=dt.datetime.now(dt.UTC),
            max_instances=1,
            coalesce=True,
        )
        ticker.start()
    if sender:
        tasks.append(asyncio.create_task(app.sender().run_forever(stop)))
    for start in app.services.get("background", []):
        tasks.append(asyncio.create_task(start(app, stop)))
    await stop.wait()
    logger.info("stopping")
    if ticker is not None:
        # Shutting APScheduler down cancels a running job; let a sweep in progress finish its
        # transaction first (no new one starts once `stop` is set).
        async with sweeping:
            ticker.shutdown(wait=False)
    for task in tasks:
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
    await runner.cleanup()
