"""Day 90: the CAM gets the review package in Slack — milestones with dates, certifications, first
pipeline — with its timeline chart uploaded in the message's thread (files.getUploadURLExternal → upload →
files.completeUploadExternal); a Telegram chat gets the chart as a photo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.http import build_web_app
from bot.importer import import_file
from handlers.model import Attachment, Message
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.fakes import FakeSlackAPI
from tests.onboarding.conftest import MONDAY, import_new_partner, morning
from tests.slack.conftest import SECRET
from tests.telegram.conftest import start_harness, tg  # noqa: F401
from tests.telegram.harness import TelegramHarness, ana

CAMS = "C0CAMS"
PNG = b"\x89PNG\r\n\x1a\n"


async def test_the_90_day_review_reaches_the_cam_channel_with_its_chart(
    sqlite_url: str, clock: Clock, fake_slack: FakeSlackAPI, tmp_path: Path
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    import bot.slack
    from bot.runtime import platform_transports

    app = make_app(
        sqlite_url,
        clock,
        SLACK_BOT_TOKEN=fake_slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.url,
        PARTNERBOT_SLACK_CAM_CHANNEL=CAMS,
    )
    fake_slack.add_channel(CAMS, "partner-cams")
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        await import_new_partner(app, tmp_path)
        milestones = tmp_path / "milestones.csv"
        milestones.write_text(
            "partner_id,milestone,status,percent,at,person_email,expires_on\n"
            "P-NEW,welcome_call,completed,,2026-12-03,,\n"
            "P-NEW,sales_cert,completed,,2027-01-20,nora@nordwind.example,2029-01-20\n",
            encoding="utf-8",
        )
        clock.now = morning(MONDAY + dt.timedelta(days=60))
        result, errors = await import_file(app, "milestones", milestones, skip_invalid=False)
        assert result is not None and not errors, errors
        bot.slack.install(app)
        await platform_transports(app)
        client = TestClient(TestServer(build_web_app(app)))
        await client.start_server()
        clock.now = morning(MONDAY + dt.timedelta(days=90), 10)
        await app.sweep(clock())
        await app.sender().drain()
        reviews = [m for m in fake_slack.messages(CAMS) if "90-day review: Nordwind Systemhaus" in m["text"]]
        assert len(reviews) == 1
        text = reviews[0]["text"]
        assert "Welcome call completed" in text and "sales_cert: completed" in text and "Deals registered" in text
        (chart,) = [f for f in fake_slack.files if f["filename"] == "onboarding-P-NEW.png"]
        assert chart["content"].startswith(PNG) and chart["channel"] == CAMS and chart["thread_ts"] == reviews[0]["ts"]
        await app.sweep(clock())  # the same instant again: no second package
        await app.sender().drain()
        assert len([m for m in fake_slack.messages(CAMS) if "90-day review" in m["text"]]) == 1
        await client.close()
    finally:
        await app.close()


async def test_a_telegram_chat_gets_an_attached_chart_as_a_photo(tg: TelegramHarness) -> None:  # noqa: F811
    user = ana(1001)
    await tg.link("ana@acme.example", user)
    transport = tg.app.transports["telegram"]
    await transport.send("1001", Message(text="Your chart", attachment=Attachment("chart.png", PNG + b"...", "Chart")))
    assert tg.fake.texts_to(1001)[-2] == "Your chart"  # the text first, then the photo
    (photo,) = tg.fake.photos
    assert photo["filename"] == "chart.png" and photo["content"].startswith(PNG)
    assert tg.fake.sent_to(1001)[-1]["caption"] == "Chart"
