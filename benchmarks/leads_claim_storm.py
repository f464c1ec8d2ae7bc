"""Claim storm: 200 simultaneous `lead.claim` presses on one shark-tank lead, round after round.

Dispatcher: SQLite in one process, 200 concurrent presses through the real dispatcher. PostgreSQL: 4
processes, each with its own engine (as 4 `serve` workers would have), 50 presses each, released
together by a barrier. Checks exactly one winner per round and prints p50/p99 of press → winner's answer
and press → the last "claimed" edit queued (all edit rows are written inside the winner's transaction; we
time when the last one was inserted, before commit, and the answer, after commit).

Slack: the same presses as signed `block_actions` requests over HTTP to our `/slack/events` (the real
adapter, with the sender running as `serve` runs it), beside a bare slack-bolt app on the same kind of
aiohttp server that only acknowledges and answers each press with one chat.postEphemeral, in the same
run. Timed: press → the presser's answer arriving at the fake Slack, for the winner and for every press.
A third app, the floor, is the bare one that first reads who pressed and the lead's status (two plain
statements in one read on our engine): the least any correct answer needs, to show what one look at
the database costs beside the baseline.

    python benchmarks/leads_claim_storm.py [--quick] [--rounds N] [--sqlite-only | --postgres-only]
                                           [--dispatcher-only | --slack-only] [--slack-rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from scratch_pg import PG_ADMIN_URL, create_database, drop_database
from sqlalchemy import func, insert, select, text, update

from tests.fakes import DEFAULT_SLACK_TOKEN, FakeSlackAPI, block_actions_payload, interaction_body, slack_signed_request

PRESSES = 200
PARTNERS = 200


def _app(url: str) -> Any:
    from bot.app import build_app
    from bot.config import load_settings

    return build_app(load_settings(database_url=url))


def _instrument(stamps: dict[str, float]) -> None:
    """Record when the winner's transaction has queued its last "claimed" edit."""
    from domain import events
    from domain.leads import notifications  # noqa: F401  (registers the notifier timed here)
    from domain.leads.events import OfferClosed

    original = events._NOTIFIERS[OfferClosed]

    async def timed(*args: Any, **kwargs: Any) -> int:
        count = await original(*args, **kwargs)
        stamps["edits_queued"] = time.time()
        return count

    events._NOTIFIERS[OfferClosed] = timed


async def setup(url: str, slack_dms: dict[str, tuple[str, str]] | None = None) -> None:
    """200 partners with one rep each, linked on the terminal and, given `slack_dms` (email → Slack user
    and DM channel), on Slack too."""
    from domain.models import Identity, Partner, Person

    app = _app(url)
    await app.migrate()
    now = dt.datetime.now(dt.UTC)
    async with app.uow() as uow:
        s = uow.session
        await s.execute(
            insert(Partner),
            [
                {
                    "external_id": f"P-{n}",
                    "name": f"Partner {n}",
                    "type": "reseller",
                    "tier": "silver",
                    "region": "emea",
                    "verticals": [],
                    "products": ["cloud-suite"],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(PARTNERS)
            ],
        )
        ids = dict((await s.execute(select(Partner.external_id, Partner.id))).all())
        await s.execute(
            insert(Person),
            [
                {
                    "email": f"rep{n}@p{n}.example",
                    "name": f"Rep {n}",
                    "role": "partner_rep",
                    "partner_id": ids[f"P-{n}"],
                    "urgent_in_quiet_hours": False,
                    "created_at": now,
                    "updated_at": now,
                    "linked_at": now,
                }
                for n in range(PARTNERS)
            ],
        )
        people = dict((await s.execute(select(Person.email, Person.id))).all())
        await s.execute(
            insert(Identity),
            [
                {"person_id": pid, "platform": "console", "external_id": email, "chat_id": email, "linked_at": now}
                for email, pid in people.items()
            ],
        )
        if slack_dms:
            await s.execute(
                insert(Identity),
                [
                    {
                        "person_id": pid,
                        "platform": "slack",
                        "external_id": slack_dms[email][0],
                        "chat_id": slack_dms[email][1],
                        "linked_at": now,
                    }
                    for email, pid in people.items()
                ],
            )
        await uow.commit()
    await app.close()


async def offered_lead(session: Any, external: str, number: int, now: dt.datetime) -> Any:
    """A new hot shark-tank lead, offered to every eligible partner (its offer rows queued)."""
    from domain.leads.distribution import distribute
    from domain.leads.models import Lead
    from domain.leads.policy import LeadPolicy

    lead = Lead(
        external_id=external,
        company=f"Storm {number}",
        region="emea",
        product="cloud-suite",
        priority="hot",
        assignment="shark_tank",
        mode="shark_tank",
        status="new",
        round=0,
        excluded_partner_ids=[],
        created_at=now,
        updated_at=now,
    )
    session.add(lead)
    await session.flush()
    await distribute(session, lead, now, LeadPolicy())
    return lead


async def new_lead(url: str, number: int) -> str:
    app = _app(url)
    external = f"STORM-{number}"
    async with app.uow() as uow:
        await offered_lead(uow.session, external, number, dt.datetime.now(dt.UTC))
        await uow.commit()
    await app.close()
    return external


async def press_all(app: Any, lead: str, emails: list[str]) -> list[tuple[bool, float]]:
    from handlers.model import Chat, Request

    async def press(email: str) -> tuple[bool, float]:
        req = Request(chat=Chat("console", email), user_id=email, kind="action", name="lead.claim", value=lead)
        items = await app.dispatcher.handle(req)
        won = any("You got it" in getattr(i, "text", "") for i in items)
        return won, time.time()

    return await asyncio.gather(*(press(e) for e in emails))


async def warm(app: Any, connections: int = 15) -> None:
    """Open the pool's connections first, so connection set-up is not counted as press time."""

    async def one() -> None:
        async with app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.05)

    await asyncio.gather(*(one() for _ in range(connections)))


def emails_for(worker: int, workers: int) -> list[str]:
    return [f"rep{n % PARTNERS}@p{n % PARTNERS}.example" for n in range(PRESSES) if n % workers == worker]


async def closed_count(url: str, lead: str) -> tuple[int, int]:
    from domain.leads.models import Lead, LeadEvent

    app = _app(url)
    async with app.uow() as uow:
        lead_id = await uow.session.scalar(select(Lead.id).where(Lead.external_id == lead))
        claimed = await uow.session.scalar(
            select(func.count()).select_from(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "claimed")
        )
        edits = await uow.session.scalar(
            text("SELECT count(*) FROM outbox WHERE idempotency_key LIKE :k").bindparams(
                k=f"lead.offer_closed:{lead_id}:%"
            )
        )
    await app.close()
    return int(claimed or 0), int(edits or 0)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class Tally:
    def __init__(self, name: str) -> None:
        self.name, self.rounds, self.one_winner = name, 0, 0
        self.winner: list[float] = []
        self.edits: list[float] = []
        self.everyone: list[float] = []

    def add(self, start: float, results: list[tuple[bool, float]], edits_at: float | None, claimed: int) -> None:
        self.rounds += 1
        winners = [t for won, t in results if won]
        self.one_winner += int(len(winners) == 1 and claimed == 1)
        if winners:
            self.winner.append((winners[0] - start) * 1000)
        if edits_at:
            self.edits.append((edits_at - start) * 1000)
        self.everyone.append((max(t for _, t in results) - start) * 1000)

    def row(self) -> str:
        def ms(xs: list[float], p: float) -> str:
            return f"{pct(xs, p):8.1f}" if xs else "       -"

        return (
            f"{self.name:<26}{self.rounds:>7}{self.one_winner:>9}  "
            f"{ms(self.winner, 50)}{ms(self.winner, 99)}  {ms(self.edits, 50)}{ms(self.edits, 99)}  "
            f"{ms(self.everyone, 50)}{ms(self.everyone, 99)}"
        )


async def run_sqlite(rounds: int) -> Tally:
    folder = tempfile.mkdtemp(prefix="pb-storm-")
    url = f"sqlite+aiosqlite:///{folder}/storm.db"
    await setup(url)
    stamps: dict[str, float] = {}
    _instrument(stamps)
    app = _app(url)
    await warm(app)
    tally = Tally("SQLite, 1 process")
    emails = emails_for(0, 1)
    for n in range(rounds):
        lead = await new_lead(url, n)
        stamps.clear()
        start = time.time()
        results = await press_all(app, lead, emails)
        claimed, _edits = await closed_count(url, lead)
        tally.add(start, results, stamps.get("edits_queued"), claimed)
    await app.close()
    return tally


def pg_worker(url: str, worker: int, workers: int, rounds: int, barrier: Any, leads: Any, out: Any) -> None:
    async def main() -> None:
        stamps: dict[str, float] = {}
        _instrument(stamps)
        app = _app(url)
        emails = emails_for(worker, workers)
        await warm(app)
        for _ in range(rounds):
            lead = leads.get()
            barrier.wait()
            stamps.clear()
            start = time.time()
            results = await press_all(app, lead, emails)
            out.put((worker, start, results, stamps.get("edits_queued")))
        await app.close()

    asyncio.run(main())


def run_postgres(rounds: int, workers: int = 4) -> Tally | None:
    try:
        url = asyncio.run(create_database("pb_storm"))
    except Exception as exc:
        print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}; skipped", file=sys.stderr)
        return None
    try:
        asyncio.run(setup(url))
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(workers + 1)
        queues = [ctx.Queue() for _ in range(workers)]
        out = ctx.Queue()
        procs = [
            ctx.Process(target=pg_worker, args=(url, w, workers, rounds, barrier, queues[w], out))
            for w in range(workers)
        ]
        for p in procs:
            p.start()
        tally = Tally(f"PostgreSQL, {workers} processes")
        for n in range(rounds):
            lead = asyncio.run(new_lead(url, n))
            for q in queues:
                q.put(lead)
            barrier.wait()
            parts = [out.get(timeout=120) for _ in range(workers)]
            start = min(p[1] for p in parts)
            results = [r for p in parts for r in p[2]]
            edits = [p[3] for p in parts if p[3]]
            claimed, _ = asyncio.run(closed_count(url, lead))
            tally.add(start, results, edits[0] if edits else None, claimed)
        for p in procs:
            p.join(timeout=60)
        return tally
    finally:
        asyncio.run(drop_database(url))


# -- Slack: the same presses as Slack sends them, beside a bare slack-bolt app -------------------------

SECRET = "storm-signing-secret"
WON_TEXT = "You got it"


def slack_user(n: int) -> str:
    return f"U{n:08d}"


class AnsweringSlack(FakeSlackAPI):
    """The fake Slack Web API, noting when each person's answer to a press arrives (an ephemeral, or a
    post to the press's response_url, which is named after the presser)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        body = super()._chat_post_ephemeral(params)
        self.answers[str(params.get("user"))].append((time.time(), str(params.get("text") or "")))
        return body

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        response = await super()._handle_response_url(request)
        if self.responses and self.responses[-1].method == request.match_info["name"]:
            text = str(self.responses[-1].params.get("text") or "")
            self.answers[request.match_info["name"]].append((time.time(), text))
        self._changed()
        return response


def workspace(slack: AnsweringSlack) -> dict[str, tuple[str, str]]:
    """Every rep as a Slack member with a DM open with the bot: email → (user id, DM channel)."""
    people = {}
    for n in range(PARTNERS):
        email, user = f"rep{n}@p{n}.example", slack_user(n)
        slack.add_user(user, email, f"rep{n}", real_name=f"Rep {n}")
        people[email] = (user, slack.dm_channel(user))
    return people


async def shown_lead(url: str, number: int, slack: AnsweringSlack, dms: dict[str, tuple[str, str]]) -> dict[str, str]:
    """A new shark-tank lead whose offer was already shown in every rep's DM (a message in the fake, its
    reference stored, the offer rows sent), as the sender leaves it; returns user → offer message ts."""
    from domain.models import MessageRef, OutboxMessage, Person

    app = _app(url)
    now = dt.datetime.now(dt.UTC)
    shown: dict[str, str] = {}
    async with app.uow() as uow:
        s = uow.session
        lead = await offered_lead(s, f"SLACK-STORM-{number}", number, now)
        rows = (
            await s.execute(
                select(OutboxMessage.id, OutboxMessage.ref_key, Person.email)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.idempotency_key.like(f"lead.offer:{lead.id}:%"))
            )
        ).all()
        refs = []
        for _row_id, ref_key, email in rows:
            user, dm = dms[email]
            shown[user] = slack.post_as_user(dm, slack.bot_user_id, f"Offer {lead.external_id}")
            refs.append(
                {"ref_key": ref_key, "platform": "slack", "chat_id": dm, "message_id": shown[user], "created_at": now}
            )
        await s.execute(insert(MessageRef), refs)
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r[0] for r in rows]))
            .values(status="sent", sent_at=now, delivered_on="slack")
        )
        await uow.commit()
    await app.close()
    return shown


def press_bodies(
    slack: AnsweringSlack, lead: str, shown: dict[str, str], dms: dict[str, tuple[str, str]]
) -> list[tuple[str, str]]:
    """(user, signed-later body) of each press on the offer message in the presser's DM."""
    bodies = []
    for n in range(PRESSES):
        email = f"rep{n % PARTNERS}@p{n % PARTNERS}.example"
        user, dm = dms[email]
        payload = block_actions_payload(
            "lead.claim",
            lead,
            user_id=user,
            user_name=f"rep{n % PARTNERS}",
            channel_id=dm,
            message=slack.message(dm, shown[user]),
            response_url=slack.response_url(user),
        )
        bodies.append((user, interaction_body(payload)))
    return bodies


async def post_all(http: aiohttp.ClientSession, urls: list[str], bodies: list[tuple[str, str]]) -> float:
    """Post every press at once (press n to server n mod len(urls)); returns when they were posted."""
    signed = [(user, body, slack_signed_request(SECRET, body)) for user, body in bodies]

    async def post(n: int, body: str, headers: dict[str, str]) -> None:
        async with http.post(urls[n % len(urls)], data=body.encode(), headers=headers) as response:
            await response.read()
            assert response.status == 200, response.status

    start = time.time()
    await asyncio.gather(*(post(n, body, headers) for n, (_user, body, headers) in enumerate(signed)))
    return start


class SlackTally:
    """Press → the presser's answer at the fake Slack: the winner's, every press's, and the last one."""

    def __init__(self, name: str) -> None:
        self.name, self.rounds, self.one_winner, self.answered = name, 0, 0, 0
        self.winner: list[float] = []
        self.presses: list[float] = []
        self.last: list[float] = []

    def add(self, start: float, answers: dict[str, list[tuple[float, str]]], users: list[str], claimed: int) -> None:
        self.rounds += 1
        firsts = {u: answers[u][0] for u in users if answers.get(u)}
        winners = [t for t, text in firsts.values() if WON_TEXT in text]
        self.one_winner += int(len(winners) == 1 and claimed == 1)
        self.answered += int(len(firsts) == len(set(users)) and all(len(answers[u]) == 1 for u in users))
        self.winner += [(t - start) * 1000 for t in winners[:1]]
        self.presses += [(t - start) * 1000 for t, _text in firsts.values()]
        self.last.append((max(t for t, _text in firsts.values()) - start) * 1000)

    def row(self, baseline: SlackTally | None) -> str:
        def ms(xs: list[float], p: float) -> str:
            return f"{pct(xs, p):8.1f}" if xs else "       -"

        ratio = f"{'':7}{'':7}"
        if baseline and baseline.presses and self.presses:
            p50, p99 = (pct(self.presses, p) / pct(baseline.presses, p) for p in (50, 99))
            ratio = f"{p50:7.2f}{p99:7.2f}"
        winners = f"{self.one_winner:>9}" if self.name.startswith("partnerbot") else f"{'-':>9}"
        return (
            f"{self.name:<42}{self.rounds:>7}{winners}{self.answered:>9}  "
            f"{ms(self.winner, 50)}{ms(self.winner, 99)}  {ms(self.presses, 50)}{ms(self.presses, 99)}  "
            f"{ms(self.last, 50)}{ms(self.last, 99)}  {ratio}"
        )


def slack_settings(url: str, slack_url: str) -> dict[str, Any]:
    return {
        "database_url": url,
        "SLACK_BOT_TOKEN": DEFAULT_SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_url,
        "PARTNERBOT_QUIET_HOURS": "off",
    }


async def serve(handler: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(handler, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


class Server:
    """One `serve` worker: our app (adapter, `/slack/events`, the sender), or the bare slack-bolt app."""

    def __init__(self, kind: str, url: str, slack_url: str) -> None:
        self.kind, self.url, self.slack_url = kind, url, slack_url
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.closers: list[Any] = []

    async def start(self) -> str:
        if self.kind == "ours":
            from bot.config import load_settings
            from bot.http import build_web_app
            from bot.runtime import platform_transports

            app = build_app_with(load_settings(**slack_settings(self.url, self.slack_url)))
            await platform_transports(app)
            await warm(app)
            self.tasks.append(asyncio.create_task(app.sender().run_forever(self.stop)))
            handler = build_web_app(app)
            self.closers.append(app.close)
        else:
            handler = bare_app(self.slack_url, self.closers, self.url if self.kind == "floor" else None)
        runner, endpoint = await serve(handler)
        self.closers.insert(0, runner.cleanup)
        return endpoint

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            await task
        for close in self.closers:
            await close()


def build_app_with(settings: Any) -> Any:
    from bot.app import build_app

    return build_app(settings)


def bare_app(slack_url: str, closers: list[Any], url: str | None = None) -> web.Application:
    """slack-bolt verifying the signature, acknowledging, and answering the presser: one Web API call.

    Given `url` (the floor), it first looks up who pressed and the lead's status in one read on our
    engine, with plain statements: the least a handler must know to answer a claim correctly."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from domain.db import READONLY, create_engine
    from domain.leads.models import Lead
    from domain.models import Identity

    session = aiohttp.ClientSession()
    closers.append(session.close)
    engine = create_engine(url) if url else None
    if engine is not None:
        closers.append(engine.dispose)
    bolt = AsyncApp(
        client=AsyncWebClient(token=DEFAULT_SLACK_TOKEN, base_url=slack_url, session=session), signing_secret=SECRET
    )

    @bolt.action(re.compile(".*"))
    async def answer(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        text = "Pressed: " + body["actions"][0]["value"]
        if engine is not None:
            async with engine.connect() as connection:
                await connection.execution_options(**{READONLY: True})  # a plain BEGIN, beside the writer
                who = select(Identity.person_id).where(
                    Identity.platform == "slack", Identity.external_id == body["user"]["id"]
                )
                status = select(Lead.status).where(Lead.external_id == body["actions"][0]["value"])
                text += f" by {await connection.scalar(who)}: {await connection.scalar(status)}"
        await client.chat_postEphemeral(channel=body["container"]["channel_id"], user=body["user"]["id"], text=text)

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    handler = web.Application()
    handler.router.add_post("/slack/events", endpoint)
    return handler


def server_process(kind: str, url: str, slack_url: str, ports: Any, stop: Any) -> None:
    """A worker process for the PostgreSQL run: serves until `stop` is set."""

    async def main() -> None:
        server = Server(kind, url, slack_url)
        ports.put(await server.start())
        await asyncio.to_thread(stop.wait)
        await server.close()

    asyncio.run(main())


async def settled(url: str, within: float = 120.0) -> int:
    """Wait until no outbox row is due any more (the round's "claimed" edits are done); rows left open."""
    from domain.models import OutboxMessage

    app = _app(url)
    try:
        deadline = time.monotonic() + within
        while True:
            async with app.uow.reader() as uow:
                left = await uow.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "sending")))
                )
            if not left or time.monotonic() > deadline:
                return int(left or 0)
            await asyncio.sleep(0.2)
    finally:
        await app.close()


async def outbox_outcomes(url: str) -> dict[str, int]:
    from domain.models import OutboxMessage

    app = _app(url)
    async with app.uow.reader() as uow:
        rows = (
            await uow.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        ).all()
    await app.close()
    return {str(status): int(count) for status, count in rows}


KINDS = ("bare", "floor", "ours")


async def slack_storm(
    url: str, rounds: int, processes: int, label: str
) -> tuple[SlackTally, SlackTally, SlackTally, dict[str, int]]:
    """Alternate rounds of the bare app and of ours on one fake Slack; the first round of each is warm-up
    (users.info cache, connections) and not counted."""
    slack = AnsweringSlack()
    async with slack:
        dms = workspace(slack)
        await setup(url, dms)
        ours_tally = SlackTally(f"partnerbot ({label})")
        bare_tally = SlackTally(f"bare slack-bolt ({label})")
        floor_tally = SlackTally("  bare, one read per press (floor)")
        servers: dict[str, Any] = {}
        procs: list[Any] = []
        stop = None
        if processes == 1:
            local = {kind: Server(kind, url, slack.url) for kind in KINDS}
            servers = {kind: [await server.start()] for kind, server in local.items()}
        else:
            ctx = mp.get_context("spawn")
            stop, ports = ctx.Event(), ctx.Queue()
            for kind in KINDS:
                started = [
                    ctx.Process(target=server_process, args=(kind, url, slack.url, ports, stop))
                    for _ in range(processes)
                ]
                for p in started:
                    p.start()
                servers[kind] = [await asyncio.to_thread(ports.get, True, 120) for _ in started]
                procs += started
        connector = aiohttp.TCPConnector(limit=0)
        try:
            async with aiohttp.ClientSession(connector=connector) as http:
                for n in range(rounds + 1):
                    lead_number = n
                    for kind, tally in zip(KINDS, (bare_tally, floor_tally, ours_tally), strict=True):
                        number = lead_number * len(KINDS) + KINDS.index(kind)
                        shown = await shown_lead(url, number, slack, dms)
                        lead = f"SLACK-STORM-{number}"
                        bodies = press_bodies(slack, lead, shown, dms)
                        users = [u for u, _ in bodies]
                        slack.answers.clear()
                        start = await post_all(http, servers[kind], bodies)
                        await slack.until(lambda users=users: all(slack.answers.get(u) for u in users), 120)
                        if kind == "ours":
                            claimed, _ = await closed_count(url, lead)
                        else:
                            claimed = 0
                        left = await settled(url)
                        if left:
                            print(f"{left} outbox rows still open after the round", file=sys.stderr)
                        if n:
                            tally.add(start, {u: list(a) for u, a in slack.answers.items()}, users, claimed)
        finally:
            if processes == 1:
                for server in local.values():
                    await server.close()
            else:
                assert stop is not None
                stop.set()
                for p in procs:
                    p.join(timeout=60)
    return ours_tally, bare_tally, floor_tally, await outbox_outcomes(url)


def run_slack(
    rounds: int, sqlite: bool, postgres: bool
) -> list[tuple[SlackTally, SlackTally, SlackTally, dict[str, int]]]:
    results = []
    if sqlite:
        folder = tempfile.mkdtemp(prefix="pb-storm-slack-")
        results.append(
            asyncio.run(slack_storm(f"sqlite+aiosqlite:///{folder}/storm.db", rounds, 1, "SQLite, 1 process"))
        )
    if postgres:
        try:
            url = asyncio.run(create_database("pb_storm_slack"))
        except Exception as exc:
            print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}; skipped", file=sys.stderr)
            return results
        try:
            results.append(asyncio.run(slack_storm(url, rounds, 4, "PostgreSQL, 4 processes")))
        finally:
            asyncio.run(drop_database(url))
    return results


def print_slack(results: list[tuple[SlackTally, SlackTally, SlackTally, dict[str, int]]]) -> bool:
    """The Slack table; False when a round lacked its one winner or a press its one answer."""
    print(
        f"\nclaim storm over Slack: {PRESSES} signed block_actions presses at once per round, answers timed at the fake"
    )
    print(f"{'':67}{'press → winner':>16}  {'press → answer':>16}  {'press → last':>16}  {'ratio ours/bare':>15}")
    quantiles = f"{'p50':>8}{'p99':>8}  " * 3
    print(f"{'path':<42}{'rounds':>7}{'1 winner':>9}{'all once':>9}  {quantiles}{'p50':>7}{'p99':>7}")
    ok = True
    for ours, bare, floor, outcomes in results:
        print(bare.row(None))
        print(floor.row(bare))
        print(ours.row(bare))
        if ours.presses and bare.presses:
            print(
                f"  ratio of press → answer p50s (target <= 1.5): {pct(ours.presses, 50) / pct(bare.presses, 50):.2f}"
            )
        print(f"  outbox after the run: {dict(sorted(outcomes.items()))}")
        ok = ok and ours.one_winner == ours.rounds and ours.answered == ours.rounds and bare.answered == bare.rounds
        ok = ok and not outcomes.get("failed") and not outcomes.get("pending") and not outcomes.get("sending")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds instead of 50 (Slack: 4 instead of 10)")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--slack-rounds", type=int, default=None)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--dispatcher-only", action="store_true")
    parser.add_argument("--slack-only", action="store_true")
    args = parser.parse_args()
    rounds = args.rounds or (10 if args.quick else 50)
    slack_rounds = args.slack_rounds or (4 if args.quick else 10)
    tallies = []
    if not args.slack_only:
        if not args.postgres_only:
            tallies.append(asyncio.run(run_sqlite(rounds)))
        if not args.sqlite_only:
            pg = run_postgres(rounds)
            if pg:
                tallies.append(pg)
    slack = [] if args.dispatcher_only else run_slack(slack_rounds, not args.postgres_only, not args.sqlite_only)
    failed = False
    if tallies:
        print(f"\nclaim storm: {PRESSES} concurrent lead.claim presses per round, {PARTNERS} eligible partners")
        print(
            f"{'':26}{'':7}{'':9}  {'press → winner ms':>16}  {'press → last edit':>16}  {'press → all answered':>16}"
        )
        quantiles = f"{'p50':>8}{'p99':>8}  " * 3
        print(f"{'database':<26}{'rounds':>7}{'1 winner':>9}  {quantiles.rstrip()}")
        for tally in tallies:
            print(tally.row())
        failed = any(t.one_winner != t.rounds for t in tallies)
    if slack and not print_slack(slack):
        failed = True
    if failed:
        print("FAILED: a round did not have exactly one winner, a press went unanswered or a push was lost")
        sys.exit(1)


if __name__ == "__main__":
    main()
