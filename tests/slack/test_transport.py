"""The sender delivering to Slack through SlackTransport: posts, edits by ref_key, 429s and errors."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.pacing import Pacer
from bot.slack.transport import SlackTransport, transport_client
from bot.transport import MessageGone, PermanentError, RetryAfter, TransientError
from domain import outbox
from domain.models import OutboxMessage
from handlers.model import Message
from tests.fakes import FakeSlackAPI
from tests.slack.conftest import ANA, SlackHarness


async def _enqueue(h: SlackHarness, key: str, chat_id: str, ref_key: str | None = None) -> None:
    async with h.app.uow() as uow:
        payload = {"name": "Ben Carter", "email": "ben@globex.example", "partner": "Globex"}
        await outbox.enqueue(
            uow.session,
            key=key,
            kind="link.reminder_cam",
            payload=payload,
            platform="slack",
            chat_id=chat_id,
            ref_key=ref_key,
            not_before=h.clock(),
        )
        await uow.commit()


async def _rows(h: SlackHarness) -> list[OutboxMessage]:
    async with h.app.uow() as uow:
        return list((await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_sender_posts_then_edits_by_ref_key(harness: SlackHarness) -> None:
    h = harness
    h.slack.add_channel("C0CAM", "cam-alerts")
    await _enqueue(h, "first", "C0CAM", ref_key="ben-unlinked")
    assert await h.app.sender().drain() == 1
    (posted,) = h.slack.messages("C0CAM")
    assert "Invited but not linked" in posted["text"] and posted["blocks"][0]["type"] == "header"

    await _enqueue(h, "second", "C0CAM", ref_key="ben-unlinked")
    assert await h.app.sender().drain() == 1
    assert len(h.slack.messages("C0CAM")) == 1
    (update,) = h.slack.calls_to("chat.update")
    assert update.params["ts"] == posted["ts"] and update.params["channel"] == "C0CAM"
    assert [r.status for r in await _rows(h)] == ["sent", "sent"]


async def test_a_push_to_a_linked_person_goes_to_their_dm(harness: SlackHarness) -> None:
    h = harness
    await h.command("help", channel_id="D0ANA")  # links Ana by email
    async with h.app.uow() as uow:
        from domain.people import require_by_email

        ana = await require_by_email(uow.session, "ana@acme.example")
        await outbox.enqueue(uow.session, key="remind", kind="link.reminder", person_id=ana.id, not_before=h.clock())
        await uow.commit()
    assert await h.app.sender().drain() == 1
    assert "waiting" in h.dm()[-1]["text"]


async def test_429_is_honoured_and_the_message_still_arrives(harness: SlackHarness) -> None:
    h = harness
    h.slack.add_channel("C0CAM", "cam-alerts")
    h.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    await _enqueue(h, "limited", "C0CAM")
    sender = h.app.sender(pacer=Pacer())
    await sender.drain()
    (row,) = await _rows(h)
    assert row.status == "pending" and row.attempts == 0 and not h.slack.messages("C0CAM")
    assert h.slack.rate_limited_count == 1
    h.clock.advance(seconds=1)
    await sender.drain()
    assert len(h.slack.messages("C0CAM")) == 1
    assert [r.status for r in await _rows(h)] == ["sent"]


async def test_a_gone_channel_parks_the_row_as_failed(harness: SlackHarness) -> None:
    await _enqueue(harness, "nowhere", "C0GONE")
    await harness.app.sender().drain()
    (row,) = await _rows(harness)
    assert row.status == "failed" and row.last_error == "channel_not_found"


async def test_errors_map_to_what_the_sender_understands(fake_slack: FakeSlackAPI) -> None:
    client = transport_client(fake_slack.token, fake_slack.url)
    transport = SlackTransport(client)
    fake_slack.add_user(ANA, "ana@acme.example", "ana")
    fake_slack.add_channel("C0CAM")
    try:
        fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter) as limited:
            await transport.send("C0CAM", Message(text="hi"))
        assert limited.value.seconds == 7
        fake_slack.fail_next("chat.postMessage", status=503)
        with pytest.raises(TransientError):
            await transport.send("C0CAM", Message(text="hi"))
        with pytest.raises(MessageGone):
            await transport.edit("C0CAM", "1.000001", Message(text="x"))
        fake_slack.fail_next("chat.postMessage", error="is_archived")
        with pytest.raises(PermanentError):
            await transport.send("C0CAM", Message(text="hi"))
        ts = await transport.send(ANA, Message(text="to the DM by user id"))
        await transport.edit(ANA, ts, Message(text="edited"))
        assert fake_slack.message(fake_slack.dm_channel(ANA), ts)["text"] == "edited"
        assert transport.limits("C0CAM") == [("slack:chat:C0CAM", 1.0), ("slack:workspace", 0.05)]
    finally:
        if client.session is not None:
            await client.session.close()


async def test_transport_client_does_not_retry_429_itself(fake_slack: FakeSlackAPI) -> None:
    client: AsyncWebClient = transport_client(fake_slack.token, fake_slack.url)
    fake_slack.add_channel("C0CAM")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)
    with pytest.raises(RetryAfter):
        await SlackTransport(client).send("C0CAM", Message(text="hi"))
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_long_text_reaches_slack_as_valid_sections(harness: SlackHarness) -> None:
    h = harness
    h.slack.add_channel("C0CAM")
    text = "Commission statement line explained. " * 95  # about 3,500 characters
    ts = await h.app.transports["slack"].send("C0CAM", Message(title="Statement", text=text))
    stored = h.slack.message("C0CAM", ts)
    sections = [b for b in stored["blocks"] if b["type"] == "section"]
    assert len(sections) >= 2 and all(len(b["text"]["text"]) <= 3000 for b in sections)


async def test_a_refused_token_stops_start_up_naming_the_variable(sqlite_url: str, fake_slack: FakeSlackAPI) -> None:
    import datetime as dt

    import bot.slack
    from bot.config import SettingsError
    from bot.runtime import platform_transports
    from tests.chat import Clock
    from tests.conftest import make_app

    app = make_app(
        sqlite_url,
        Clock(dt.datetime(2026, 11, 25, tzinfo=dt.UTC)),
        SLACK_BOT_TOKEN="xoxb-wrong",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake_slack.url.rstrip("/"),
    )
    bot.slack.install(app)
    bot.slack.install(app)  # idempotent
    assert len(app.services["http_mounts"]) == 1
    try:
        with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
            await platform_transports(app)
    finally:
        await app.close()
