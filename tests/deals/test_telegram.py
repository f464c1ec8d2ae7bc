"""A partner on Telegram registers step by step, hears the CAM's question and answers it by replying to
that message (Telegram's reply), with no command to remember."""

from __future__ import annotations

from sqlalchemy import select

from domain.deals.models import Deal
from tests.chat import ChatFactory, RecordingTransport
from tests.deals.conftest import CARLA
from tests.fakes.telegram_updates import tg_message, tg_message_update
from tests.telegram.conftest import start_harness, tg  # noqa: F401
from tests.telegram.harness import TelegramHarness, ana

ANA_ID = 1001


async def test_a_telegram_partner_answers_the_cams_question_by_replying(tg: TelegramHarness) -> None:  # noqa: F811
    user = ana(ANA_ID)
    await tg.link("ana@acme.example", user)
    steps = (
        "/deal",
        "Harbor Logistics Ltd",
        "harborlogistics.co.uk",
        "Lee Park",
        "lee@harborlogistics.co.uk",
        "48000",
        "EUR",
        "2027-03-31",
        "cloud-suite",
        "-",
        "-",
    )
    for text in steps:
        assert await tg.post(tg_message_update(text, user)) == 200
    assert "Deal D-000001 is registered" in tg.fake.texts_to(ANA_ID)[-1]

    console = RecordingTransport("console")
    tg.app.transports["console"] = console
    carla = await ChatFactory(tg.app, tg.clock).linked(CARLA)
    await carla.press("deal.info", "D-000001")
    await carla.send("Is the budget approved?")
    await tg.app.sender().drain()
    question = tg.fake.sent_to(ANA_ID)[-1]
    assert "Is the budget approved?" in question["text"]

    reply = tg_message("Yes, signed off on Monday", user, reply_to=question)
    assert await tg.post({"update_id": 880001, "message": reply}) == 200
    assert "back with them" in tg.fake.texts_to(ANA_ID)[-1]
    async with tg.app.uow.reader() as uow:
        deal = (await uow.session.scalars(select(Deal))).one()
    assert deal.status == "submitted" and deal.partner_answer == "Yes, signed off on Monday"
    await tg.app.sender().drain()
    assert any("Yes, signed off on Monday" in d.current.plain_text() for d in console.to(CARLA))
