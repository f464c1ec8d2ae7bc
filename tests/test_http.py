"""Health, metrics and logs: what an operator watches."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.http import build_web_app
from bot.logs import configure_logging, redact
from tests.chat import Clock
from tests.conftest import make_app


async def test_healthz_and_metrics(app: App) -> None:
    async with TestClient(TestServer(build_web_app(app))) as client:
        health = await client.get("/healthz")
        assert health.status == 200 and await health.json() == {"status": "ok", "database": "ok"}
        metrics = await client.get("/metrics")
        body = await metrics.text()
        assert metrics.status == 200 and "partnerbot_outbox_depth" in body


async def test_healthz_is_503_when_the_database_is_unreachable(clock: Clock) -> None:
    broken = make_app("postgresql+asyncpg://nobody@127.0.0.1:1/none", clock)
    try:
        async with TestClient(TestServer(build_web_app(broken))) as client:
            response = await client.get("/healthz")
            assert response.status == 503 and (await response.json())["database"] != "ok"
    finally:
        await broken.close()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_tokens_never_reach_the_logs(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("json")
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
    logging.getLogger("telegram.test").warning("POST https://api.telegram.org/bot%s/sendMessage failed", token)
    logging.getLogger("slack.test").warning("auth with %s", "xoxb-1234-5678-abcdefabcdef")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert all(token not in line["message"] and "xoxb-1234" not in line["message"] for line in lines)
    assert lines[0]["level"] == "WARNING" and "[redacted]" in lines[0]["message"]
    assert redact("nothing secret") == "nothing secret"


async def test_messenger_endpoints_are_mounted_when_their_tokens_are_set(sqlite_url: str, clock: Clock) -> None:
    plain = make_app(sqlite_url, clock)
    both = make_app(
        sqlite_url,
        clock,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        TELEGRAM_BOT_TOKEN="1:abc",
        TELEGRAM_WEBHOOK_SECRET="t",
    )
    try:
        paths = {r.resource.canonical for r in build_web_app(both).router.routes() if r.resource}
        assert {"/slack/events", "/telegram/webhook", "/healthz", "/metrics"} <= paths
        assert set(both.transports) == {"slack", "telegram"}
        plain_paths = {r.resource.canonical for r in build_web_app(plain).router.routes() if r.resource}
        assert "/slack/events" not in plain_paths and "/telegram/webhook" not in plain_paths
    finally:
        await both.close()
        await plain.close()
