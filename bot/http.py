"""Our aiohttp application: health, metrics, and the platforms' endpoints mounted by their adapters."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot import metrics
from bot.app import App
from domain import outbox_listing

logger = logging.getLogger(__name__)
APP_KEY = web.AppKey("partnerbot", App)


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    try:
        async with app.uow.reader() as uow:
            await uow.session.execute(text("SELECT 1"))
    except Exception as exc:
        logger.warning("health check: database unreachable: %s", type(exc).__name__)
        return web.json_response({"status": "degraded", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def metrics_view(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    try:
        async with app.uow.reader() as uow:
            metrics.OUTBOX_DEPTH.set(await outbox_listing.depth(uow.session))
    except Exception:
        logger.warning("metrics: could not read the outbox depth")
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_view)
    for mount in app.services.get("http_mounts", []):
        mount(web_app)
    return web_app
