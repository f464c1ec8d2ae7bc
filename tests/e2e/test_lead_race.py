"""A shark-tank race across Slack and Telegram, end to end over real HTTP, on SQLite and PostgreSQL.

One app with both adapters installed serves `/slack/events` and `/telegram/webhook` on a free port; the
real slack_sdk and python-telegram-bot clients talk to the fake Slack Web API and the fake Telegram Bot
API. Three eligible partners' reps are linked the way people link themselves (Slack: auto-linked by the
email users.info gives, on a signed `/partner help`; Telegram: `/start CODE` through the webhook); one
lead is imported through the CLI's import service; the real Sender delivers the offers through both
transports. Then two reps press Claim at the same moment, one on each platform, and a third taps late.

Run with `-s` to see the transcript of the race as each fake saw it.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

import bot.slack
import bot.telegram
from bot.app import App
from bot.http import build_web_app
from bot.importer import import_file
from bot.sender import Sender
from bot.telegram.webhook import PATH as TG_PATH
from bot.telegram.webhook import SECRET_HEADER
from domain import linking
from domain.leads import claims, lookup
from domain.leads.models import Lead, LeadEvent, LeadOffer
from domain.leads.policy import LeadPolicy
from domain.models import Identity, OutboxMessage, Person
from domain.people import require_by_email, view_of
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.fakes import (
    FakeSlackAPI,
    FakeTelegramAPI,
    block_actions_payload,
    interaction_body,
    slack_signed_request,
    slash_command_body,
    tg_callback_query_update,
    tg_start_update,
    tg_user,
)

SLACK_SECRET = "e2e-signing-secret"
TG_SECRET = "e2e-webhook-secret"
LEAD = "L-RACE-1"
CONTACT_EMAIL = "mia.lang@blueharbor.example"
CONTACT_PHONE = "+49 30 5550 4242"
COMPANY = "Blue Harbor Robotics GmbH"

# The demo program has only two EMEA partners and they share no vertical, so two more EMEA partners
# join it through the same import service: with ACME they are the three eligible for the lead below.
EXTRA_PARTNERS = (
    "partner_id,name,type,tier,region,country,verticals,products,cam_email,parent_partner_id,slack_channel,"
    "timezone,language,joined_on\n"
    "P-NORD,Nordlicht IT AG,reseller,gold,emea,DE,manufacturing;retail,cloud-suite,carla.cam@vendor.example,,,"
    "Europe/Berlin,en,2026-06-01\n"
    "P-SOL,Soleil Systemes SARL,si,silver,emea,FR,manufacturing,cloud-suite;backup,carla.cam@vendor.example,,,"
    "Europe/Paris,en,2026-07-01\n"
)
EXTRA_PEOPLE = """email,name,role,partner_id,slack_user_id,telegram_user_id,timezone,language
nina@nordlicht.example,Nina Vogel,partner_rep,P-NORD,,,Europe/Berlin,en
olaf@soleil.example,Olaf Martin,partner_rep,P-SOL,,,Europe/Paris,en
"""
LEADS_CSV = (
    "lead_id,company,domain,contact_name,contact_email,contact_phone,country,region,vertical,product,"
    "estimated_value,currency,campaign,priority,assignment,partner_id,notes,company_size\n"
    f"{LEAD},{COMPANY},blueharbor.example,Mia Lang,{CONTACT_EMAIL},{CONTACT_PHONE},DE,emea,manufacturing,"
    "cloud-suite,72000,EUR,Automation webinar,hot,shark_tank,,Wants cloud-suite for two plants,200-500\n"
)


@dataclass
class Rep:
    name: str
    email: str
    platform: str
    user_id: str  # Slack user id, or the Telegram user id as text
    chat_id: str = ""  # Slack DM channel, or the Telegram private chat id as text

    @property
    def tg_user(self) -> dict[str, Any]:
        return tg_user(int(self.user_id), self.name.split()[0], username=None)


ANA = Rep("Ana Schmidt", "ana@acme.example", "slack", "U0ANA")  # P-ACME
NINA = Rep("Nina Vogel", "nina@nordlicht.example", "telegram", "2001", "2001")  # P-NORD
OLAF = Rep("Olaf Martin", "olaf@soleil.example", "telegram", "2002", "2002")  # P-SOL
BEN = Rep("Ben Carter", "ben@globex.example", "telegram", "2003", "2003")  # P-GLOBEX: not eligible


def _plain_html(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _tg_buttons(markup: Any) -> list[str]:
    rows = (markup or {}).get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [f"{b['text']} ({b.get('callback_data') or b.get('url')})" for row in rows for b in row]


def _slack_buttons(blocks: Any) -> list[str]:
    return [
        f"{e['text']['text']} ({e.get('action_id')}={e.get('value', e.get('url', ''))})"
        for b in blocks or []
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


@dataclass
class Transcript:
    """What each fake saw, step by step: messages, edits, callback answers and ephemerals with buttons."""

    slack: FakeSlackAPI
    tg: FakeTelegramAPI
    names: dict[str, str]
    lines: list[str] = field(default_factory=list)
    _seen: dict[str, int] = field(default_factory=lambda: {"slack": 0, "telegram": 0})

    def who(self, chat: Any) -> str:
        return self.names.get(str(chat), str(chat))

    def step(self, title: str) -> None:
        self.lines.append(f"\n== {title}")

    def flush(self) -> None:
        for platform, fake in (("slack", self.slack), ("telegram", self.tg)):
            calls = fake.calls[self._seen[platform] :]
            self._seen[platform] = len(fake.calls)
            for call in calls:
                line = self._slack(call.method, call.params) if platform == "slack" else self._tg(call.params, call)
                if line:
                    self.lines.append(f"  [{platform}] {line}")

    def _slack(self, method: str, p: dict[str, Any]) -> str | None:
        text = html.unescape(str(p.get("text", ""))).replace("\n", " ⏎ ")
        buttons = _slack_buttons(p.get("blocks"))
        shown = f"{text}  buttons: {buttons or 'none'}"
        if method == "chat.postMessage":
            return f"post → {self.who(p.get('channel'))}: {shown}"
        if method == "chat.update":
            return f"update {self.who(p.get('channel'))} ts={p.get('ts')}: {shown}"
        if method == "chat.postEphemeral":
            return f"ephemeral → {self.who(p.get('user'))} only: {text}"
        if method == "users.info":
            return f"users.info {p.get('user')} (email → auto-link)"
        return None

    def _tg(self, p: dict[str, Any], call: Any) -> str | None:
        text = _plain_html(str(p.get("text", ""))).replace("\n", " ⏎ ")
        shown = f"{text}  buttons: {_tg_buttons(p.get('reply_markup')) or 'none'}"
        if call.method == "sendMessage":
            return f"sendMessage → {self.who(p.get('chat_id'))}: {shown}"
        if call.method == "editMessageText":
            return f"editMessageText {self.who(p.get('chat_id'))} #{p.get('message_id')}: {shown}"
        if call.method == "answerCallbackQuery":
            alert = " (alert)" if p.get("show_alert") in (True, "true", "True") else ""
            return f"answerCallbackQuery → {self.who(p.get('callback_query_id'))}{alert}: {p.get('text') or ''}"
        return None

    def render(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Race:
    app: App
    slack: FakeSlackAPI
    tg: FakeTelegramAPI
    client: TestClient[Any, Any]
    clock: Clock
    tmp_path: Path
    sender: Sender
    transcript: Transcript

    # -- what the platforms send us ------------------------------------------------------------
    async def slack_post(self, body: str) -> int:
        headers = slack_signed_request(SLACK_SECRET, body)
        response = await self.client.post("/slack/events", data=body.encode(), headers=headers)
        await response.read()
        await self.app.services["slack"].idle()
        return response.status

    async def tg_post(self, update: dict[str, Any]) -> int:
        headers = {"Content-Type": "application/json", SECRET_HEADER: TG_SECRET}
        response = await self.client.post(TG_PATH, data=json.dumps(update), headers=headers)
        await response.read()
        await self.app.services["telegram"].idle()
        return response.status

    # -- linking -------------------------------------------------------------------------------
    async def link_slack(self, rep: Rep) -> None:
        """A signed `/partner help` in the bot's DM: users.info's email links the member."""
        self.slack.add_user(rep.user_id, rep.email, rep.name.split()[0].lower(), real_name=rep.name)
        rep.chat_id = self.slack.dm_channel(rep.user_id)
        self.transcript.names[rep.chat_id] = rep.name
        self.transcript.names[rep.user_id] = rep.name
        body = slash_command_body(
            "help",
            user_id=rep.user_id,
            user_name=rep.name.split()[0].lower(),
            channel_id=rep.chat_id,
            channel_name="directmessage",
            response_url=self.slack.response_url(),
        )
        assert await self.slack_post(body) == 200

    async def link_telegram(self, rep: Rep) -> None:
        """`/start CODE` through the webhook, with a code issued as `partnerbot link` would."""
        self.transcript.names[rep.chat_id] = rep.name
        async with self.app.uow() as uow:
            issued = await linking.issue_code(uow.session, rep.email, self.clock())
            await uow.commit()
        assert await self.tg_post(tg_start_update(issued.code, rep.tg_user)) == 200

    async def identity(self, rep: Rep) -> Identity | None:
        async with self.app.uow() as uow:
            return (
                await uow.session.scalars(
                    select(Identity).where(Identity.platform == rep.platform, Identity.external_id == rep.user_id)
                )
            ).first()

    # -- the offers, as each chat shows them ---------------------------------------------------
    def messages(self, rep: Rep) -> list[dict[str, Any]]:
        if rep.platform == "slack":
            return self.slack.messages(rep.chat_id)
        return self.tg.sent_to(int(rep.chat_id))

    def offer(self, rep: Rep) -> dict[str, Any]:
        """The current state of the one message that offered the lead in this rep's chat."""
        texts = [(m, self.text(rep, m)) for m in self.messages(rep)]
        offers = [m for m, text in texts if LEAD in text and ("up for grabs" in text or "closed" in text)]
        assert len(offers) == 1, [self.text(rep, m) for m in self.messages(rep)]
        return offers[0]

    @staticmethod
    def text(rep: Rep, message: dict[str, Any]) -> str:
        if rep.platform == "slack":
            return html.unescape(str(message.get("text", "")))
        return str(message.get("text", ""))

    @staticmethod
    def buttons(rep: Rep, message: dict[str, Any]) -> list[str]:
        if rep.platform == "slack":
            return _slack_buttons(message.get("blocks"))
        return _tg_buttons(message.get("reply_markup"))

    # -- presses -------------------------------------------------------------------------------
    def slack_press(self, rep: Rep, message: dict[str, Any]) -> str:
        (button,) = [e for b in message.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]]
        payload = block_actions_payload(
            button["action_id"],
            button["value"],
            user_id=rep.user_id,
            user_name=rep.name.split()[0].lower(),
            channel_id=rep.chat_id,
            message=message,
            response_url=self.slack.response_url(),
        )
        return interaction_body(payload)

    def tg_press(self, rep: Rep, message: dict[str, Any]) -> dict[str, Any]:
        (data,) = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        update = tg_callback_query_update(data, rep.tg_user, message)
        self.transcript.names[update["callback_query"]["id"]] = rep.name
        return update

    async def press(self, rep: Rep, message: dict[str, Any]) -> int:
        if rep.platform == "slack":
            return await self.slack_post(self.slack_press(rep, message))
        return await self.tg_post(self.tg_press(rep, message))

    # -- state -----------------------------------------------------------------------------------
    async def lead_state(self) -> tuple[str, int | None, int | None, int]:
        async with self.app.uow() as uow:
            lead = (await uow.session.scalars(select(Lead).where(Lead.external_id == LEAD))).one()
            return lead.status, lead.partner_id, lead.holder_person_id, lead.round

    async def outbox(self) -> dict[str, int]:
        async with self.app.uow() as uow:
            rows = await uow.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            return {status: int(n) for status, n in rows.all()}

    async def email_of(self, person_id: int | None) -> str | None:
        async with self.app.uow() as uow:
            return await uow.session.scalar(select(Person.email).where(Person.id == person_id))

    async def deliver(self) -> int:
        return await self.sender.drain()


@asynccontextmanager
async def race_app(
    url: str, clock: Clock, tmp_path: Path, slack: FakeSlackAPI, tg: FakeTelegramAPI
) -> AsyncIterator[Race]:
    app = make_app(
        url,
        clock,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_API_URL=slack.url,
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_URL=tg.url,
        TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
        TELEGRAM_BOT_USERNAME="partner_bot",
    )
    # build_app may switch the platforms on itself (from the settings); install what is still missing.
    if "slack" not in app.services:
        bot.slack.install(app)
    if "telegram" not in app.services:
        bot.telegram.install(app)
    await ChatFactory(app, clock).seed_program()
    for kind, content in (("partners", EXTRA_PARTNERS), ("people", EXTRA_PEOPLE)):
        path = tmp_path / f"extra-{kind}.csv"
        path.write_text(content, encoding="utf-8")
        result, errors = await import_file(app, kind, path, skip_invalid=False)
        assert result is not None and not errors, errors
    for setup in app.services["platform_setups"]:
        await setup(app)
    assert set(app.transports) == {"slack", "telegram"}
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    transcript = Transcript(slack, tg, {})
    try:
        yield Race(app, slack, tg, client, clock, tmp_path, app.sender(app.transports), transcript)
    finally:
        await client.close()
        await app.close()


async def link_everyone(race: Race) -> None:
    t = race.transcript
    t.step("Ana (P-ACME) sends /partner help in the bot's Slack DM; users.info's email links her")
    await race.link_slack(ANA)
    t.flush()
    for rep, partner in ((NINA, "P-NORD"), (OLAF, "P-SOL"), (BEN, "P-GLOBEX, not eligible")):
        t.step(f"{rep.name} ({partner}) opens the bot's deep link: /start CODE on Telegram")
        await race.link_telegram(rep)
        t.flush()
    for rep in (ANA, NINA, OLAF, BEN):
        identity = await race.identity(rep)
        assert identity is not None, f"{rep.name} is not linked on {rep.platform}"
        assert identity.chat_id == rep.chat_id
    await race.deliver()  # anything linking queued, so the wave below starts from an empty outbox


async def import_and_offer(race: Race) -> None:
    t = race.transcript
    t.step(f"`partnerbot import leads` of one shark-tank lead {LEAD}; the sender delivers the offers")
    path = race.tmp_path / "leads.csv"
    path.write_text(LEADS_CSV, encoding="utf-8")
    result, errors = await import_file(race.app, "leads", path, skip_invalid=False)
    assert result is not None and result.created == 1 and not errors
    assert (await race.lead_state())[0] == "offered"


def assert_offer_shows_public_fields_only(race: Race, rep: Rep) -> dict[str, Any]:
    offer = race.offer(rep)
    text = race.text(rep, offer)
    assert "up for grabs" in text
    for shown in ("EMEA", "manufacturing", "cloud-suite", "72,000", "hot", "200-500"):
        assert shown in text, (shown, text)
    for secret in (CONTACT_EMAIL, CONTACT_PHONE, "Mia Lang", COMPANY, "blueharbor"):
        assert secret not in json.dumps(offer), (secret, offer)
    (button,) = race.buttons(rep, offer)
    assert button.startswith("Claim") and LEAD in button
    return copy.deepcopy(offer)  # as the phone shows it now; the fakes' own copy is edited later


async def test_three_partner_race_on_slack_and_telegram(
    database_url: str, clock: Clock, tmp_path: Path, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    async with race_app(database_url, clock, tmp_path, fake_slack, fake_telegram) as race:
        t = race.transcript
        await link_everyone(race)
        await import_and_offer(race)
        assert await race.deliver() == 3  # one offer per eligible rep; Ben's partner is not eligible
        t.flush()
        offers = {rep.name: assert_offer_shows_public_fields_only(race, rep) for rep in (ANA, NINA, OLAF)}
        assert not any(LEAD in race.text(BEN, m) for m in race.messages(BEN))

        # Ana (Slack) and Nina (Telegram) press Claim at the same moment.
        t.step("Ana presses Claim on Slack and Nina presses Claim on Telegram, at the same moment")
        slack_body = race.slack_press(ANA, offers[ANA.name])
        nina_update = race.tg_press(NINA, offers[NINA.name])
        statuses = await asyncio.gather(race.slack_post(slack_body), race.tg_post(nina_update))
        assert statuses == [200, 200]
        t.flush()

        status, partner_id, holder_id, _round = await race.lead_state()
        assert status == "claimed"
        winner_email = await race.email_of(holder_id)
        winner, loser = (ANA, NINA) if winner_email == ANA.email else (NINA, ANA)
        assert winner_email == winner.email
        async with race.app.uow() as uow:
            offer_rows = (await uow.session.scalars(select(LeadOffer).join(Lead).where(Lead.external_id == LEAD))).all()
            claimed_events = await uow.session.scalar(
                select(func.count())
                .select_from(LeadEvent)
                .join(Lead)
                .where(Lead.external_id == LEAD, LeadEvent.kind == "claimed")
            )
        assert sorted(o.status for o in offer_rows) == ["lost", "lost", "won"]
        assert [o.partner_id for o in offer_rows if o.status == "won"] == [partner_id]
        assert claimed_events == 1

        # The winner has the whole lead at once, on their own platform.
        winner_texts = " ".join(race.text(winner, m) for m in race.messages(winner))
        for detail in (CONTACT_EMAIL, CONTACT_PHONE, "Mia Lang", COMPANY):
            assert detail in winner_texts, detail
        # The loser's press is answered, and says why.
        if loser is NINA:
            (answer,) = [
                c.params
                for c in race.tg.calls_to("answerCallbackQuery")
                if c.params["callback_query_id"] == nina_update["callback_query"]["id"]
            ]
            assert "already claimed" in answer["text"]
        else:
            (ephemeral,) = [e for e in race.slack.ephemerals if e["user"] == ANA.user_id]
            assert "already claimed" in ephemeral["text"]

        # Olaf's phone still shows the button: his late tap gets a clear answer.
        t.step("Olaf taps Claim on Telegram after the race, before his offer was edited")
        olaf_update = race.tg_press(OLAF, offers[OLAF.name])
        assert await race.tg_post(olaf_update) == 200
        t.flush()
        (late,) = [
            c.params
            for c in race.tg.calls_to("answerCallbackQuery")
            if c.params["callback_query_id"] == olaf_update["callback_query"]["id"]
        ]
        assert "already claimed" in late["text"]

        # The sender edits every offer message, on every chat: claimed, no buttons left.
        t.step("The sender delivers the queued 'claimed' edits to every chat")
        await race.deliver()
        t.flush()
        for rep in (ANA, NINA, OLAF):
            offer = race.offer(rep)
            text = race.text(rep, offer)
            assert "closed" in text and "claimed" in text, text
            assert race.buttons(rep, offer) == [], (rep.name, offer)
            if rep.platform == "telegram":
                current = race.tg.message(int(rep.chat_id), offer["message_id"])
                assert not current.get("reply_markup")
            else:
                current = race.slack.message(rep.chat_id, offer["ts"])
                assert not any(b.get("type") == "actions" for b in current.get("blocks") or [])
            expected = "You claimed" if rep is winner else "was claimed by another partner"
            assert expected in text, (rep.name, text)
            if rep is not winner:
                assert not any(CONTACT_EMAIL in json.dumps(m) for m in race.messages(rep))
        assert set(await race.outbox()) <= {"sent", "skipped"}

        # Pressing the same buttons again (or Telegram redelivering a press) changes nothing.
        t.step("The same buttons pressed again, and Telegram redelivering Nina's press")
        before = (
            await race.lead_state(),
            await race.outbox(),
            {r.name: json.dumps(race.messages(r), sort_keys=True) for r in (ANA, NINA, OLAF, BEN)},
        )
        answers_before = len(race.tg.calls_to("answerCallbackQuery"))
        ephemerals_before = len(race.slack.ephemerals)
        await race.press(winner, offers[winner.name])
        await race.press(loser, offers[loser.name])
        assert await race.tg_post(nina_update) == 200  # same update_id: ignored
        await race.deliver()
        t.flush()
        after = (
            await race.lead_state(),
            await race.outbox(),
            {r.name: json.dumps(race.messages(r), sort_keys=True) for r in (ANA, NINA, OLAF, BEN)},
        )
        assert after == before
        answers = [c.params["text"] for c in race.tg.calls_to("answerCallbackQuery")[answers_before:]]
        notices = [e["text"] for e in race.slack.ephemerals[ephemerals_before:]]
        assert len(answers) + len(notices) == 2  # one answer per press; none for the redelivery
        assert any("You already have lead" in a for a in answers + notices)
        assert any("already claimed" in a for a in answers + notices)

        print(f"\n\nTRANSCRIPT ({race.app.engine.dialect.name}; winner: {winner.name} on {winner.platform})")
        print(race.transcript.render())


async def test_claimed_edits_reach_every_chat_after_429s(
    database_url: str, clock: Clock, tmp_path: Path, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    async with race_app(database_url, clock, tmp_path, fake_slack, fake_telegram) as race:
        await link_everyone(race)
        # The offer wave: the first delivery on each platform is refused with a 429.
        fake_telegram.fail_next("sendMessage", status=429, retry_after=1)
        fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
        limited = fake_telegram.rate_limited_count + fake_slack.rate_limited_count
        await import_and_offer(race)
        await race.deliver()
        assert fake_telegram.rate_limited_count + fake_slack.rate_limited_count == limited + 2
        assert (await race.outbox()).get("pending") == 2  # waiting for the retry time the platforms named
        race.clock.advance(seconds=2)
        await race.deliver()
        assert (await race.outbox()).get("pending") is None
        offers = {rep.name: assert_offer_shows_public_fields_only(race, rep) for rep in (ANA, NINA, OLAF)}

        # Olaf claims; the "claimed" edits then meet 429s on both platforms, twice on Telegram.
        assert await race.press(OLAF, offers[OLAF.name]) == 200
        assert (await race.lead_state())[0] == "claimed"
        # Ana taps her (not yet edited) Slack button afterwards: an ephemeral says it is gone.
        assert await race.press(ANA, offers[ANA.name]) == 200
        (ephemeral,) = [e for e in fake_slack.ephemerals if e["user"] == ANA.user_id]
        assert "already claimed" in ephemeral["text"]
        fake_telegram.fail_next("editMessageText", status=429, retry_after=1, times=2)
        fake_slack.fail_next("chat.update", status=429, retry_after=1)
        limited = fake_telegram.rate_limited_count + fake_slack.rate_limited_count
        for _round in range(5):
            await race.deliver()
            if not (await race.outbox()).get("pending"):
                break
            race.clock.advance(seconds=2)
        assert fake_telegram.rate_limited_count + fake_slack.rate_limited_count == limited + 3
        assert set(await race.outbox()) <= {"sent", "skipped"}
        for rep in (ANA, NINA, OLAF):
            offer = race.offer(rep)
            assert race.buttons(rep, offer) == [], (rep.name, offer)
            expected = "You claimed" if rep is OLAF else "was claimed by another partner"
            assert expected in race.text(rep, offer)
            # Retries never duplicate: still exactly one offer message in each chat.
            assert (
                sum("up for grabs" in race.text(rep, m) or "closed" in race.text(rep, m) for m in race.messages(rep))
                == 1
            )


@pytest.mark.postgres
async def test_a_press_that_loses_between_read_and_update_hears_already_claimed(
    postgres_url: str,
    clock: Clock,
    tmp_path: Path,
    fake_slack: FakeSlackAPI,
    fake_telegram: FakeTelegramAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The close race made deterministic: Olaf's claim commits just after Nina's claim read the lead.

    On PostgreSQL (READ COMMITTED) Nina's next statement sees the round already closed; she must hear
    "already claimed", not "not available to you". SQLite takes the write lock at BEGIN, so claims
    there are serialised and this interleaving cannot happen.
    """
    async with race_app(postgres_url, clock, tmp_path, fake_slack, fake_telegram) as race:
        await link_everyone(race)
        await import_and_offer(race)
        await race.deliver()
        nina_offer = assert_offer_shows_public_fields_only(race, NINA)
        original = lookup.find
        reads = 0

        async def find_then_lose(session: Any, ref: str) -> Lead:
            nonlocal reads
            lead = await original(session, ref)
            reads += 1
            if reads == 1:  # Nina's claim has read the lead; Olaf's claim commits meanwhile
                async with race.app.uow() as uow:
                    olaf = view_of(await require_by_email(uow.session, OLAF.email))
                    await claims.claim(uow.session, olaf, ref, clock(), race.app.deps.services[LeadPolicy])
                    await uow.commit()
            return lead

        monkeypatch.setattr(lookup, "find", find_then_lose)
        update = race.tg_press(NINA, nina_offer)
        assert await race.tg_post(update) == 200
        (answer,) = [
            c.params
            for c in fake_telegram.calls_to("answerCallbackQuery")
            if c.params["callback_query_id"] == update["callback_query"]["id"]
        ]
        assert "already claimed" in answer["text"], answer["text"]
        status, _partner, holder, _round = await race.lead_state()
        assert status == "claimed" and await race.email_of(holder) == OLAF.email
