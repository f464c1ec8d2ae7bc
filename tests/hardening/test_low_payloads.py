"""Issue 11, Low: odd but correctly signed bodies answer 400, are logged and change nothing; never a 500."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from sqlalchemy import func, select

from domain.models import ProcessedUpdate
from tests.slack.conftest import SlackHarness
from tests.telegram.harness import TelegramHarness, ana

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("[]", JSON),
        ("null", JSON),
        ("[1, 2, 3]", JSON),
        ('"just a string"', JSON),
        ("payload=null", FORM),
        ("payload=" + urllib.parse.quote("[1]"), FORM),
        ("[" * 10_000 + "]" * 10_000, JSON),
        ('{"type": "event_callback", "event_id": "Ev1", "team_id": ' + str(2**70) + "}", JSON),
    ],
    ids=["array", "null", "numbers", "string", "payload-null", "payload-array", "deep", "big-int"],
)
async def test_low_a_signed_slack_body_that_is_not_an_object_is_a_400(
    harness: SlackHarness, body: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    response = await harness.post(body, headers=headers)
    assert response.status == 400
    assert "slack" in caplog.text, "the refusal is logged"
    assert [c.method for c in harness.slack.calls if c.method != "auth.test"] == []


async def _processed(tg: TelegramHarness) -> int:
    async with tg.app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"update_id": 1, "message": ' + '{"x": ' * 10_000 + "1" + "}" * 10_000 + "}",
        json.dumps(
            {"update_id": 2**64 + 5, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
        ),
        json.dumps(
            {
                "update_id": 7,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "/help",
                    "chat": {"id": 2**80, "type": "private"},
                    "from": {**ana(), "id": 2**80},
                },
            }
        ),
    ],
    ids=["deep-array", "deep-object", "huge-update-id", "huge-chat-id"],
)
async def test_low_a_telegram_update_too_deep_or_with_huge_integers_is_a_400(
    tg: TelegramHarness, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = await _processed(tg)
    assert await tg.post_raw(body) == 400
    assert "telegram webhook" in caplog.text
    assert await _processed(tg) == before, "nothing recorded"
    assert tg.fake.calls_to("sendMessage") == []
