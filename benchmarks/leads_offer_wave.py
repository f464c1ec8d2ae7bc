"""Offer wave: one shark-tank lead offered to 1,000 partners at once, across Telegram and Slack.

    python benchmarks/leads_offer_wave.py [--quick] [--postgres] [--partners N] [--senders N]

Every partner has one linked rep, about half on Telegram and half on Slack (alternating, as an import
would mix them). The partners and people go in through the import service (`partnerbot import`), the
lead too, so the offers are written to the outbox in the import's transaction; the real Sender then
delivers them through both real transports to the local fakes with their limits ON:

- Telegram: `FakeTelegramAPI(enforce_limits=True)`: 30 messages/s per bot, 1/s per chat.
- Slack: `FakeSlackAPI(channel_rate_per_s=1.0)`, plus chat.postMessage capped at the workspace rate
  the Slack transport declares in its `limits()` (so the fake refuses anything faster than our own
  pacing promises).

The floor is what the platforms' limits allow at best: n_tg / 30 s for Telegram, n_slack / the Slack
transport's workspace rate for Slack; both run in parallel, so the run's floor is the larger of the two.
Printed: deliveries per platform, time until every offer was delivered (from the sender's start to the
last `sent_at`), the floor, their ratio (aim <= 1.1), 429s the fakes answered (aim 0) and chats that got
more than one message (aim 0). SQLite by default; `--postgres` uses a fresh database on
postgresql+asyncpg://postgres@127.0.0.1:5432/test that it creates and drops.

`--senders N` (PostgreSQL) runs the wave twice in one run: once with one sender in this process (the
baseline), then with N sender processes, each its own `partnerbot` app with its own engine, started
before the lead is imported and sharing only the database, as N `serve` processes would. Each takes
its slots from the pacing schedule in the database; the fakes count the 429s all of them caused.
This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scratch_pg import PG_ADMIN_URL, scratch_database  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.importer import import_file  # noqa: E402
from bot.slack.transport import SlackTransport  # noqa: E402
from domain.models import Identity, OutboxMessage, Person  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TELEGRAM_BOT_RATE = 30.0
TIMEOUT = 150.0
POLL = 0.1
TIERS = ("registered", "silver", "gold", "platinum")

PARTNER_HEADER = (
    "partner_id,name,type,tier,region,country,verticals,products,cam_email,parent_partner_id,"
    "slack_channel,timezone,language,joined_on"
)
PEOPLE_HEADER = "email,name,role,partner_id,slack_user_id,telegram_user_id,timezone,language"
LEAD_CSV = (
    "lead_id,company,domain,contact_name,contact_email,contact_phone,country,region,vertical,product,"
    "estimated_value,currency,campaign,priority,assignment,partner_id,notes,company_size\n"
    "L-WAVE-1,Wave Test GmbH,wave.example,Wanda Welle,wanda@wave.example,+49 30 5550 0001,DE,emea,"
    "manufacturing,cloud-suite,50000,EUR,Offer wave benchmark,hot,shark_tank,,,200-500\n"
)


@dataclass
class Result:
    backend: str
    partners: int
    n_tg: int
    n_slack: int
    delivered_tg: int
    delivered_slack: int
    seconds: float
    floor_tg: float
    floor_slack: float
    slack_rate: float
    limited_tg: int
    limited_slack: int
    duplicates: int
    import_seconds: float
    statuses: dict[str, int]

    @property
    def floor(self) -> float:
        return max(self.floor_tg, self.floor_slack)


def _write_program(folder: Path, n: int) -> tuple[Path, Path]:
    partners = [PARTNER_HEADER]
    people = [PEOPLE_HEADER]
    for i in range(n):
        pid = f"P-W{i:05d}"
        tier = TIERS[i % len(TIERS)]
        partners.append(
            f"{pid},Wave Partner {i},reseller,{tier},emea,DE,manufacturing,cloud-suite,,,,UTC,en,2026-01-01"
        )
        people.append(f"rep{i}@wave{i}.example,Rep {i},partner_rep,{pid},,,UTC,en")
    partner_file, people_file = folder / "partners.csv", folder / "people.csv"
    partner_file.write_text("\n".join(partners) + "\n", encoding="utf-8")
    people_file.write_text("\n".join(people) + "\n", encoding="utf-8")
    return partner_file, people_file


async def _link_everyone(app: App, slack: FakeSlackAPI, n: int) -> dict[str, list[str]]:
    """One identity per rep: even reps on Telegram (chat 500000+i), odd reps on Slack (their DM)."""
    chats: dict[str, list[str]] = {"telegram": [], "slack": []}
    now = app.deps.now()
    async with app.uow() as uow:
        ids = dict((await uow.session.execute(select(Person.email, Person.id))).all())
        rows = []
        for i in range(n):
            email = f"rep{i}@wave{i}.example"
            if i % 2 == 0:
                platform, user_id = "telegram", str(500_000 + i)
                chat_id = user_id
            else:
                platform, user_id = "slack", f"UW{i:07d}"
                slack.add_user(user_id, email, f"rep{i}")
                chat_id = slack.dm_channel(user_id)
            chats[platform].append(chat_id)
            rows.append(
                Identity(person_id=ids[email], platform=platform, external_id=user_id, chat_id=chat_id, linked_at=now)
            )
        uow.session.add_all(rows)
        await uow.commit()
    return chats


async def _pending_offers(app: App, kind: str = "lead.offer", status: str = "pending") -> int:
    async with app.uow() as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.status == status)
        )
    return int(count or 0)


def _wiring(url: str, tg: FakeTelegramAPI, slack: FakeSlackAPI) -> dict[str, str]:
    """The settings of every process of the run: the same database and the same fakes."""
    return {
        "database_url": url,
        "PARTNERBOT_QUIET_HOURS": "off",  # the wave must not wait for anyone's morning
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": slack.url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.url,
        "TELEGRAM_WEBHOOK_SECRET": "bench-webhook-secret",
        "TELEGRAM_BOT_USERNAME": "partner_bot",
    }


async def _started_app(wiring: dict[str, str]) -> App:
    app = build_app(load_settings(**wiring))
    await app.migrate()
    for setup in app.services["platform_setups"]:
        await setup(app)
    return app


async def _sender_processes(wiring: dict[str, str], count: int) -> list[asyncio.subprocess.Process]:
    """Start `count` sender processes and wait until each has said it is ready."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--sender-process", json.dumps(wiring), stdout=asyncio.subprocess.PIPE
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line.strip() == b"ready", line
    return processes


async def _stop(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        await asyncio.wait_for(process.wait(), timeout=30)


async def sender_process(wiring: dict[str, str]) -> None:
    """One of the `--senders N` processes: a sender of its own app until SIGTERM."""
    app = await _started_app(wiring)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    try:
        await app.sender(app.transports).run_forever(stop, idle=0.05)
    finally:
        await app.close()


async def _queue_lead(app: App, workdir: Path) -> str:
    """The wave of this benchmark: one shark-tank lead imported, its offers written in the import's transaction."""
    lead_file = workdir / "leads.csv"
    lead_file.write_text(LEAD_CSV, encoding="utf-8")
    result, errors = await import_file(app, "leads", lead_file, skip_invalid=False)
    assert result is not None and result.created == 1, errors
    return "lead.offer"


def workspace_rate(transport: Any) -> float:
    """Messages per second the Slack transport allows the whole workspace, read from its `limits()`."""
    return 1.0 / dict(transport.limits("D0PROBE"))["slack:workspace"]


Queue = Callable[[App, Path], Awaitable[str]]


async def run(
    url: str,
    backend: str,
    n: int,
    workdir: Path,
    *,
    strict_slack: bool = False,
    queue: Queue = _queue_lead,
    senders: int = 1,
) -> Result:
    slack_rate = workspace_rate(SlackTransport(AsyncWebClient()))
    # Slack: 1/s per channel. With --strict-slack the fake also refuses a chat.postMessage that comes
    # less than 1/rate after the previous one (a bucket of one token), which Slack itself does not do.
    method_rates = {"chat.postMessage": slack_rate} if strict_slack else None
    async with (
        FakeTelegramAPI(enforce_limits=True) as tg,
        FakeSlackAPI(channel_rate_per_s=1.0, method_rate_per_s=method_rates) as slack,
    ):
        wiring = _wiring(url, tg, slack)
        app = await _started_app(wiring)
        helpers: list[asyncio.subprocess.Process] = []
        try:
            assert workspace_rate(app.transports["slack"]) == slack_rate

            partner_file, people_file = _write_program(workdir, n)
            for kind, path in (("partners", partner_file), ("people", people_file)):
                result, errors = await import_file(app, kind, path, skip_invalid=False)
                assert result is not None and not errors, errors[:3]
            chats = await _link_everyone(app, slack, n)
            tg.reset_calls()
            slack.reset_calls()
            limited_before = (tg.rate_limited_count, slack.rate_limited_count)

            stop = asyncio.Event()
            task: asyncio.Task[None] | None = None
            if senders > 1:
                helpers = await _sender_processes(wiring, senders)
            started_import = time.perf_counter()
            kind = await queue(app, workdir)  # its transaction writes the offers; running senders take them
            import_seconds = time.perf_counter() - started_import
            start = dt.datetime.now(dt.UTC)
            if senders <= 1:
                queued = await _pending_offers(app, kind)
                assert queued == n, f"expected {n} {kind} pushes in the outbox, found {queued}"
                task = asyncio.create_task(app.sender(app.transports).run_forever(stop, idle=0.05))
            for _poll in range(int(TIMEOUT / POLL)):  # the sender's own clock decides; we only watch
                if not await _pending_offers(app, kind) and not await _pending_offers(app, kind, "sending"):
                    break
                await asyncio.sleep(POLL)
            stop.set()
            if task is not None:
                await task
            await _stop(helpers)
            async with app.uow() as uow:
                last = await uow.session.scalar(
                    select(func.max(OutboxMessage.sent_at)).where(OutboxMessage.kind == kind)
                )
                statuses = dict(
                    (
                        await uow.session.execute(
                            select(OutboxMessage.status, func.count())
                            .where(OutboxMessage.kind == kind)
                            .group_by(OutboxMessage.status)
                        )
                    ).all()
                )
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=dt.UTC)
            seconds = (last - start).total_seconds() if last else float("nan")

            per_tg = Counter({c: len(tg.sent_to(int(c))) for c in chats["telegram"]})
            per_slack = Counter({c: len(slack.messages(c)) for c in chats["slack"]})
            n_tg, n_slack = len(chats["telegram"]), len(chats["slack"])
            return Result(
                backend=backend,
                partners=n,
                n_tg=n_tg,
                n_slack=n_slack,
                delivered_tg=sum(1 for v in per_tg.values() if v >= 1),
                delivered_slack=sum(1 for v in per_slack.values() if v >= 1),
                seconds=seconds,
                floor_tg=n_tg / TELEGRAM_BOT_RATE,
                floor_slack=n_slack / slack_rate,
                slack_rate=slack_rate,
                limited_tg=tg.rate_limited_count - limited_before[0],
                limited_slack=slack.rate_limited_count - limited_before[1],
                duplicates=sum(1 for v in [*per_tg.values(), *per_slack.values()] if v > 1),
                import_seconds=import_seconds,
                statuses=statuses,
            )
        finally:
            await app.close()


async def main(n: int, postgres: bool, strict_slack: bool, senders: int = 1) -> Result:
    with tempfile.TemporaryDirectory(prefix="offer-wave-") as tmp:
        workdir = Path(tmp)
        if not postgres:
            return await run(
                f"sqlite+aiosqlite:///{workdir / 'wave.db'}", "sqlite", n, workdir, strict_slack=strict_slack
            )
        async with scratch_database() as url:
            backend = "postgresql" if senders == 1 else f"postgresql, {senders} sender processes"
            return await run(url, backend, n, workdir, strict_slack=strict_slack, senders=senders)


def report(r: Result) -> None:
    ratio = r.seconds / r.floor if r.floor else float("nan")
    print(f"\nOffer wave: one shark-tank lead to {r.partners} partners ({r.backend}), fake limits on")
    print(f"  import of the lead (offers written to the outbox): {r.import_seconds:.2f} s")
    print(f"  outbox rows of the wave by status: {r.statuses}")
    print(f"{'platform':<10} {'offers':>7} {'delivered':>10} {'limit':>14} {'floor s':>8} {'429s':>5}")
    print(
        f"{'telegram':<10} {r.n_tg:>7} {r.delivered_tg:>10} {f'{TELEGRAM_BOT_RATE:g}/s per bot':>14} "
        f"{r.floor_tg:>8.2f} {r.limited_tg:>5}"
    )
    print(
        f"{'slack':<10} {r.n_slack:>7} {r.delivered_slack:>10} {f'{r.slack_rate:g}/s workspace':>14} "
        f"{r.floor_slack:>8.2f} {r.limited_slack:>5}"
    )
    print(f"{'time to deliver every offer':<32} {r.seconds:>8.2f} s")
    print(f"{'floor (max of the two)':<32} {r.floor:>8.2f} s")
    print(f"{'ratio time/floor (aim <= 1.1)':<32} {ratio:>8.2f}")
    print(f"{'429s seen by the fakes (aim 0)':<32} {r.limited_tg + r.limited_slack:>8}")
    print(f"{'chats with > 1 message (aim 0)':<32} {r.duplicates:>8}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 partners instead of 1,000")
    parser.add_argument("--partners", type=int, default=None, help="number of partners (default 1000)")
    parser.add_argument("--postgres", action="store_true", help=f"use a fresh database on {PG_ADMIN_URL}")
    parser.add_argument(
        "--strict-slack",
        action="store_true",
        help="the fake Slack also refuses chat.postMessage faster than our declared workspace rate (no burst)",
    )
    parser.add_argument("--senders", type=int, default=1, help="also run the wave with N sender processes")
    parser.add_argument("--sender-process", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.sender_process:
        asyncio.run(sender_process(json.loads(args.sender_process)))
        return
    n = args.partners or (200 if args.quick else 1000)
    if args.senders > 1 and not args.postgres:
        parser.error("--senders needs --postgres: several processes share a server database")
    report(asyncio.run(main(n, args.postgres, args.strict_slack)))
    if args.senders > 1:
        report(asyncio.run(main(n, args.postgres, args.strict_slack, args.senders)))


if __name__ == "__main__":
    cli()
