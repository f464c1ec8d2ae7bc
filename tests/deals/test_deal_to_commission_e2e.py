"""From a claimed lead to a paid commission, end to end over real HTTP (issue 14's "done when").

Ana (P-ACME) is on Telegram, Carla, her CAM, is in Slack; one app serves `/telegram/webhook` and
`/slack/events`, and the real python-telegram-bot and slack_sdk clients talk to the fake Bot API and Web
API. Ana claims a shark-tank lead and converts it: the deal form opens pre-filled from the lead and she
answers it step by step. Carla's CAM channel gets the alert; she approves it there; Ana hears at once,
the alert is edited to say who decided. Carla marks it won (commission accrues at gold's 10 %), finance's
payments file marks the line paid, Ana gets the payment notice and sees it in `/commission`.

Run with `-s` to print the transcript as the fakes saw it.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

import bot.slack
import bot.telegram
from bot.app import App
from bot.http import build_web_app
from bot.importer import import_file
from bot.telegram.webhook import PATH as TG_PATH
from bot.telegram.webhook import SECRET_HEADER
from domain import linking
from domain.commissions.models import CommissionLine
from domain.deals.models import Deal
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.e2e.test_lead_race import Transcript
from tests.fakes import (
    FakeSlackAPI,
    FakeTelegramAPI,
    block_actions_payload,
    interaction_body,
    slack_signed_request,
    slash_command_body,
    tg_callback_query_update,
    tg_message_update,
    tg_start_update,
    tg_user,
)

SLACK_SECRET, TG_SECRET = "deal-signing-secret", "deal-webhook-secret"
CAMS, CARLA, CARLA_EMAIL = "C0CAMS", "U0CARLA", "carla.cam@vendor.example"
ANA_ID = 4242
ANA = tg_user(ANA_ID, "Ana", username=None)
LEAD = "L-DEAL-1"
LEADS_CSV = (
    "lead_id,company,domain,contact_name,contact_email,contact_phone,country,region,vertical,product,"
    "estimated_value,currency,campaign,priority,assignment,partner_id,notes\n"
    f"{LEAD},Blue Harbor Retail GmbH,blueharbor.example,Mia Lang,mia@blueharbor.example,,DE,emea,retail,"
    "backup,72000,EUR,Spring webinar,hot,shark_tank,,Two stores\n"
)


@dataclass
class World:
    app: App
    slack: FakeSlackAPI
    tg: FakeTelegramAPI
    client: TestClient[Any, Any]
    tmp_path: Path
    transcript: Transcript

    async def tg_post(self, update: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json", SECRET_HEADER: TG_SECRET}
        response = await self.client.post(TG_PATH, data=json.dumps(update), headers=headers)
        await response.read()
        assert response.status == 200
        await self.app.services["telegram"].idle()

    async def slack_post(self, body: str) -> None:
        response = await self.client.post(
            "/slack/events", data=body.encode(), headers=slack_signed_request(SLACK_SECRET, body)
        )
        await response.read()
        assert response.status == 200
        await self.app.services["slack"].idle()

    async def say(self, text: str) -> None:
        await self.tg_post(tg_message_update(text, ANA))
        self.transcript.flush()

    async def tap(self, message: dict[str, Any], action: str) -> None:
        data = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        (chosen,) = [d for d in data if d.startswith(action + "|")]
        await self.tg_post(tg_callback_query_update(chosen, ANA, message))
        self.transcript.flush()

    async def carla_presses(self, action: str, message: dict[str, Any]) -> None:
        (button,) = [
            e
            for b in message.get("blocks") or []
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"] == action
        ]
        payload = block_actions_payload(
            action,
            button["value"],
            user_id=CARLA,
            user_name="carla",
            channel_id=CAMS,
            message=message,
            response_url=self.slack.response_url(),
        )
        await self.slack_post(interaction_body(payload))
        self.transcript.flush()

    def asked(self, action: str) -> dict[str, Any]:
        """The last message the fake Slack got with a button `action` (a confirmation question)."""
        for call in reversed(self.slack.calls):
            blocks = call.params.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            for block in blocks or []:
                if block.get("type") == "actions" and any(e["action_id"] == action for e in block["elements"]):
                    return {"blocks": blocks, "text": call.params.get("text", ""), "ts": call.params.get("ts", "")}
        raise AssertionError(f"no message with {action}")

    async def deliver(self) -> None:
        await self.app.sender().drain()
        self.transcript.flush()

    def ana_texts(self) -> list[str]:
        return self.tg.texts_to(ANA_ID)

    def last_to_ana(self, containing: str) -> dict[str, Any]:
        return [m for m in self.tg.sent_to(ANA_ID) if containing in m.get("text", "")][-1]

    def alert(self) -> dict[str, Any]:
        (alert,) = [m for m in self.slack.messages(CAMS) if "Deal registration" in html.unescape(m["text"])]
        return alert


@asynccontextmanager
async def world(
    url: str, clock: Clock, tmp_path: Path, slack: FakeSlackAPI, tg: FakeTelegramAPI
) -> AsyncIterator[World]:
    app = make_app(
        url,
        clock,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_API_URL=slack.url,
        PARTNERBOT_SLACK_CAM_CHANNEL=CAMS,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_URL=tg.url,
        TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
        TELEGRAM_BOT_USERNAME="partner_bot",
    )
    if "slack" not in app.services:
        bot.slack.install(app)
    if "telegram" not in app.services:
        bot.telegram.install(app)
    await ChatFactory(app, clock).seed_program()
    slack.add_user(CARLA, CARLA_EMAIL, "carla", real_name="Carla Cam")
    slack.add_channel(CAMS, "partner-cams")
    for setup in app.services["platform_setups"]:
        await setup(app)
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    transcript = Transcript(slack, tg, {str(ANA_ID): "Ana (Telegram)", CAMS: "#partner-cams", CARLA: "Carla"})
    try:
        yield World(app, slack, tg, client, tmp_path, transcript)
    finally:
        await client.close()
        await app.close()


async def test_a_claimed_lead_becomes_a_paid_commission(
    sqlite_url: str, clock: Clock, tmp_path: Path, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    async with world(sqlite_url, clock, tmp_path, fake_slack, fake_telegram) as w:
        t = w.transcript
        t.step("Ana opens the bot on Telegram with her link code; Carla sends /partner help in her Slack DM")
        async with w.app.uow() as uow:
            issued = await linking.issue_code(uow.session, "ana@acme.example", clock())
            await uow.commit()
        await w.tg_post(tg_start_update(issued.code, ANA))
        await w.slack_post(
            slash_command_body(
                "help",
                user_id=CARLA,
                user_name="carla",
                channel_id=w.slack.dm_channel(CARLA),
                channel_name="directmessage",
                response_url=w.slack.response_url(),
            )
        )
        t.flush()

        t.step(f"a shark-tank lead {LEAD} is imported; only Acme is eligible; Ana claims it")
        path = tmp_path / "leads.csv"
        path.write_text(LEADS_CSV, encoding="utf-8")
        result, errors = await import_file(w.app, "leads", path, skip_invalid=False)
        assert result is not None and not errors
        await w.deliver()
        await w.tap(w.last_to_ana(LEAD), "lead.claim")
        await w.deliver()

        t.step("Ana taps Convert to deal and answers the form, pre-filled from the lead, step by step")
        await w.tap(w.last_to_ana("Mia Lang"), "lead.convert")
        assert "Blue Harbor Retail GmbH" in w.ana_texts()[-1]  # the lead's company is suggested
        for answer in (
            "Blue Harbor Retail GmbH",
            "https://www.blueharbor.example/shop",
            "Mia Lang",
            "mia@blueharbor.example",
            "72k",
            "eur",
            "2027-02-15",
            "backup",
            "Two stores, phased",
            LEAD,
        ):
            await w.say(answer)
        assert "72,000" in "\n".join(w.ana_texts()[-9:])  # the amount is shown back as understood
        assert "Deal D-000001 is registered" in w.ana_texts()[-1]

        t.step("the sender posts the alert in Carla's CAM channel; she approves it there")
        await w.deliver()
        alert = w.alert()
        shown = html.unescape(alert["text"])
        assert "Blue Harbor Retail GmbH" in shown and "Acme Cloud Resellers" in shown and LEAD in shown
        before = copy.deepcopy(alert)  # as a second CAM's Slack still shows it
        await w.carla_presses("deal.approve", alert)
        await w.deliver()
        assert "Deal D-000001 is approved" in w.ana_texts()[-1]
        edited = html.unescape(w.alert()["text"])
        assert "approved by Carla" in edited
        buttons = [e["action_id"] for b in w.alert()["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert "deal.approve" not in buttons and "deal.won" in buttons

        t.step("a second press of Approve on the old message is told who decided; nothing changes")
        await w.carla_presses("deal.approve", before)
        assert "already approved by Carla Mendes" in html.unescape(json.dumps(w.slack.calls[-1].params))

        t.step("the CRM says won: Carla marks it won in the channel; the commission accrues at gold's 10 %")
        await w.carla_presses("deal.won", w.alert())
        question = w.asked("deal.won_confirm")  # irreversible: asked first, nothing accrued yet
        assert "Mark D-000001 won?" in html.unescape(question["text"])
        await w.carla_presses("deal.won_confirm", question)
        await w.deliver()
        assert any("is won" in text and "7,200.00" in text for text in w.ana_texts()[-2:])

        t.step("finance's payments file marks the line paid; Ana gets the payment notice")
        payments = tmp_path / "payments.csv"
        payments.write_text(
            "line_id,partner_id,period,deal_id,amount,currency,status,payout_date\n"
            "PAY-2026-11-001,P-ACME,2026-11,D-000001,7200.00,EUR,paid,2026-11-30\n",
            encoding="utf-8",
        )
        result, errors = await import_file(w.app, "payments", payments, skip_invalid=False)
        assert result is not None and not errors and result.updated == 1  # the accrued line is taken over
        await w.deliver()
        assert "Commission paid: €7,200.00" in w.ana_texts()[-1]

        t.step("Ana asks /commission")
        await w.say("/commission")
        answer = w.ana_texts()[-1]
        assert "Paid in 2026" in answer and "€7,200.00" in answer
        async with w.app.uow() as uow:
            deal = (await uow.session.scalars(select(Deal))).one()
            line = (await uow.session.scalars(select(CommissionLine))).one()
        assert deal.status == "won" and deal.lead_id is not None and deal.domain == "blueharbor.example"
        assert line.status == "paid" and line.line_id == "PAY-2026-11-001" and str(line.amount) == "7200.00"
        print(t.render())
