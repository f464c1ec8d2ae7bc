"""Issue 11, item 4: a sender or a claim killed (SIGKILL) at each step, then restarted.

A real partnerbot process (tests/hardening/crash_worker.py) delivers through the real Slack and
Telegram transports to the fake platforms. The fake holds one request so the test knows exactly where
the process is; the other recipients' messages go through and are recorded; then the process is killed:
- for the held message `before_call` (the intent is committed, the platform has not got it) or
  `after_call` (the platform has it, the process never heard back, nothing recorded);
- for every other message, after recording (they must not come again);
- for a claim, also right after the claim committed, before any of its messages went out.
Then a new process starts. What the fakes show afterwards: nothing lost, and nothing doubled on
Slack (the interrupted post is found again by the key in its metadata); on Telegram, which cannot be
asked, at most the one interrupted message comes a second time, and then marked as a repeat. The new
process does not wait out the dead one's 2-minute lease: it delivers at once, or the test fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App, build_app
from bot.config import load_settings
from bot.runtime import platform_transports
from domain.leads.models import Lead
from domain.models import OutboxMessage
from domain.people import attach_identity, require_by_email
from tests.chat import DEMO
from tests.fakes import FakeSlackAPI, FakeTelegramAPI
from tests.fakes._server import Hold
from tests.leads.helpers import import_leads, lead_row

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PEOPLE = ("ana@acme.example", "arno@acme.example", "ben@globex.example", "gwen@globex.example")
LANGUAGES = {"arno@acme.example": "de"}  # the demo people's languages; the others read English


def repeat_note(email: str) -> str:
    """The line a repeat carries, in the person's language (its first words, as JSON shows them)."""
    from domain.i18n import _, use_language

    with use_language(LANGUAGES.get(email, "en")):
        text = _("Sent again after an interruption: if you have this message twice, both are the same.")
    return json.dumps(text)[1:20]


SEND = {"slack": "chat.postMessage", "telegram": "sendMessage"}
EDIT = {"slack": "chat.update", "telegram": "editMessageText"}
GUARD = 120.0  # seconds: only a hung process hits this; no assertion is about time


class World:
    """The program on one database, its people linked on one platform, and the two fakes."""

    def __init__(self, url: str, platform: str, slack: FakeSlackAPI, tg: FakeTelegramAPI) -> None:
        self.url = url
        self.platform = platform
        self.slack = slack
        self.tg = tg
        self.chats: dict[str, str] = {}
        self.settings: dict[str, Any] = {
            "PARTNERBOT_DATABASE_URL": url,
            "PARTNERBOT_QUIET_HOURS": "off",
            "PARTNERBOT_KB_SENTENCE_MODEL": False,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": "crash-signing-secret",
            "SLACK_API_URL": slack.url,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_URL": tg.url,
            "TELEGRAM_WEBHOOK_SECRET": "crash-webhook-secret",
            "TELEGRAM_BOT_USERNAME": "partner_bot",
        }

    def app(self) -> App:
        return build_app(load_settings(**self.settings))

    async def seed(self) -> None:
        """The demo program, everyone of the two eligible partners linked, one shark-tank lead queued."""
        from bot.importer import import_file

        app = self.app()
        try:
            for kind in ("partners", "people"):
                result, errors = await import_file(app, kind, DEMO / f"{kind}.csv", skip_invalid=False)
                assert result is not None, errors
            async with app.uow() as uow:
                for n, email in enumerate(PEOPLE, start=1):
                    person = await require_by_email(uow.session, email)
                    if self.platform == "slack":
                        user_id = f"U0CRASH{n}"
                        self.slack.add_user(user_id, email, email.split("@")[0])
                        chat_id = self.slack.dm_channel(user_id)
                    else:
                        user_id = chat_id = str(7000 + n)
                    self.chats[email] = chat_id
                    await attach_identity(
                        uow.session,
                        person,
                        platform=self.platform,
                        user_id=user_id,
                        chat_id=chat_id,
                        username=None,
                        now=dt.datetime.now(dt.UTC),
                    )
                await uow.commit()
            result, errors = await import_leads(app, [lead_row("L-1")])
            assert errors == [] and result.created == 1
        finally:
            await app.close()

    async def deliver_here(self) -> None:
        """Deliver what is due from the test process itself (the offers, before a claim)."""
        app = self.app()
        try:
            await app.sender(await platform_transports(app)).drain()
        finally:
            await app.close()

    # -- the worker process ---------------------------------------------------------------------
    async def start(self, mode: str, *args: str) -> asyncio.subprocess.Process:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERBOT_", "SLACK_", "TELEGRAM_"))}
        env["PYTHONPATH"] = str(REPO)
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.hardening.crash_worker",
            json.dumps(self.settings),
            mode,
            *args,
            cwd=str(REPO),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def kill_when_held(self, proc: asyncio.subprocess.Process, hold: Hold, settled: int = 0) -> None:
        """Wait until the fake holds the request and `settled` other rows are recorded, then SIGKILL
        the process (and reap it)."""
        waited = 0.0
        while not hold.arrived.is_set() or (await self.outbox()).get("sent", 0) < settled:
            if proc.returncode is not None:
                _out, err = await proc.communicate()
                pytest.fail(f"the worker ended before its request was held: {err.decode()[-2000:]}")
            try:
                await asyncio.wait_for(hold.arrived.wait(), timeout=0.5)
            except TimeoutError:
                pass
            if hold.arrived.is_set():
                await asyncio.sleep(0.1)
            waited += 0.5
            assert waited < GUARD, "the worker never reached the held request"
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        assert proc.returncode == -signal.SIGKILL

    async def finish(self, *procs: asyncio.subprocess.Process) -> None:
        results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), GUARD)
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err.decode()[-3000:]

    async def restart(self, processes: int = 1) -> None:
        """New sender processes, as after a crash; they must deliver now, not after the lease."""
        await self.finish(*[await self.start("send") for _ in range(processes)])

    # -- what the platform shows ------------------------------------------------------------------
    def texts(self, email: str) -> list[str]:
        chat = self.chats[email]
        if self.platform == "slack":
            return [json.dumps(m) for m in self.slack.messages(chat)]
        return [json.dumps(m) for m in self.tg.sent_to(int(chat))]

    def offers(self, email: str) -> list[str]:
        """The messages about L-1 without its contact details (the offer, however it was edited since)."""
        return [t for t in self.texts(email) if "L-1" in t and "pat@l-1.example" not in t]

    @staticmethod
    def has_buttons(text: str) -> bool:
        message = json.loads(text)
        return any(b.get("type") == "actions" for b in message.get("blocks") or []) or bool(
            (message.get("reply_markup") or {}).get("inline_keyboard")
        )

    def cards(self, email: str) -> list[str]:
        return [t for t in self.texts(email) if "pat@l-1.example" in t]

    def email_of_chat(self, params: dict[str, Any]) -> str:
        chat = str(params.get("channel") or params.get("chat_id"))
        return next(email for email, c in self.chats.items() if c == chat)

    async def outbox(self) -> dict[str, int]:
        app = self.app()
        try:
            async with app.uow() as uow:
                rows = await uow.session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
                return {status: int(n) for status, n in rows.all()}
        finally:
            await app.close()

    async def holder(self) -> str | None:
        app = self.app()
        try:
            async with app.uow() as uow:
                lead = (await uow.session.scalars(select(Lead).where(Lead.external_id == "L-1"))).one()
                if lead.holder_person_id is None:
                    return None
                from domain.models import Person

                return await uow.session.scalar(select(Person.email).where(Person.id == lead.holder_person_id))
        finally:
            await app.close()


def assert_once(world: World, email: str, texts: list[str], interrupted: bool, step: str) -> None:
    """One message; on Telegram the interrupted one may come twice (after the call), marked as a repeat."""
    note = repeat_note(email)
    if world.platform == "slack" or not interrupted:
        assert len(texts) == 1, texts
        assert not any(note in t for t in texts), texts
        return
    expected = 2 if step == "after_call" else 1
    assert len(texts) == expected, texts
    assert note in texts[-1], texts  # the one sent after the restart says it may be a repeat


async def crash_the_sender(world: World, step: str, *, restarts: int = 1) -> None:
    await world.seed()
    fake = world.slack if world.platform == "slack" else world.tg
    hold = fake.hold_next(SEND[world.platform], after=step == "after_call")
    proc = await world.start("send")
    await world.kill_when_held(proc, hold, settled=len(PEOPLE) - 1)
    assert (await world.outbox()).get("sent") == len(PEOPLE) - 1  # all but the held one recorded
    interrupted = world.email_of_chat(hold.params)

    await world.restart(restarts)

    assert set(await world.outbox()) == {"sent"}, "nothing is left behind"
    for email in PEOPLE:
        assert_once(world, email, world.offers(email), email == interrupted, step)


STEPS = ("before_call", "after_call")


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("platform", ["slack", "telegram"])
async def test_item4_sender_killed_at_each_step_restarts_at_once_nothing_lost_nothing_doubled(
    sqlite_url: str, platform: str, step: str, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    await crash_the_sender(World(sqlite_url, platform, fake_slack, fake_telegram), step)


@pytest.mark.postgres
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("platform", ["slack", "telegram"])
async def test_item4_postgres_sender_killed_then_two_processes_take_over(
    postgres_url: str, platform: str, step: str, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    """PostgreSQL, several processes: after the kill, two senders start together and share the work."""
    await crash_the_sender(World(postgres_url, platform, fake_slack, fake_telegram), step, restarts=2)


CLAIM_STEPS = ("claim_committed", "before_call", "after_call")


async def crash_a_claim(world: World, step: str, *, restarts: int = 1) -> None:
    """Ana claims L-1; her process dies after the claim committed, at each step of handing her the card."""
    await world.seed()
    await world.deliver_here()
    for email in PEOPLE:
        assert len(world.offers(email)) == 1
    fake = world.slack if world.platform == "slack" else world.tg
    if step == "claim_committed":
        hold = fake.hold_next(EDIT[world.platform], after=False)  # her offer's edit comes before the card
    else:
        hold = fake.hold_next(SEND[world.platform], after=step == "after_call")
    proc = await world.start("claim", "ana@acme.example", world.platform, "L-1")
    await world.kill_when_held(proc, hold)
    assert await world.holder() == "ana@acme.example", "the claim itself was committed"

    await world.restart(restarts)

    assert set(await world.outbox()) <= {"sent", "skipped"}
    assert await world.holder() == "ana@acme.example"
    assert_once(world, "ana@acme.example", world.cards("ana@acme.example"), step != "claim_committed", step)
    for email in PEOPLE[1:]:
        assert world.cards(email) == [], "only the winner sees the contact details"
    for email in PEOPLE:
        (offer,) = world.offers(email)
        assert not world.has_buttons(offer), offer  # edited: closed, no Claim button left


@pytest.mark.parametrize("step", CLAIM_STEPS)
@pytest.mark.parametrize("platform", ["slack", "telegram"])
async def test_item4_claim_killed_before_the_winner_saw_the_card_still_delivers_it_once(
    sqlite_url: str, platform: str, step: str, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    await crash_a_claim(World(sqlite_url, platform, fake_slack, fake_telegram), step)


@pytest.mark.postgres
@pytest.mark.parametrize("step", CLAIM_STEPS)
async def test_item4_postgres_claim_killed_then_two_processes_deliver_the_card_once(
    postgres_url: str, step: str, fake_slack: FakeSlackAPI, fake_telegram: FakeTelegramAPI
) -> None:
    await crash_a_claim(World(postgres_url, "slack", fake_slack, fake_telegram), step, restarts=2)
