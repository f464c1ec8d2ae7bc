"""Claim storm: 200 simultaneous `lead.claim` presses on one shark-tank lead, round after round.

SQLite: one process, 200 concurrent presses through the real dispatcher. PostgreSQL: 4 processes, each
with its own engine (as 4 `serve` workers would have), 50 presses each, released together by a barrier.
Checks exactly one winner per round and prints p50/p99 of press → winner's answer and press → the last
"claimed" edit queued (all edit rows are written inside the winner's transaction; we time when the last
one was inserted, before commit, and the answer, after commit).

    python benchmarks/leads_claim_storm.py [--quick] [--rounds N] [--sqlite-only | --postgres-only]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_pg import PG_ADMIN_URL, create_database, drop_database
from sqlalchemy import func, insert, select, text

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


async def setup(url: str) -> None:
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
        await uow.commit()
    await app.close()


async def new_lead(url: str, number: int) -> str:
    from domain.leads.distribution import distribute
    from domain.leads.models import Lead
    from domain.leads.policy import LeadPolicy

    app = _app(url)
    now = dt.datetime.now(dt.UTC)
    external = f"STORM-{number}"
    async with app.uow() as uow:
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
        uow.session.add(lead)
        await uow.session.flush()
        await distribute(uow.session, lead, now, LeadPolicy())
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds instead of 50")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    rounds = args.rounds or (10 if args.quick else 50)
    tallies = []
    if not args.postgres_only:
        tallies.append(asyncio.run(run_sqlite(rounds)))
    if not args.sqlite_only:
        pg = run_postgres(rounds)
        if pg:
            tallies.append(pg)
    print(f"\nclaim storm: {PRESSES} concurrent lead.claim presses per round, {PARTNERS} eligible partners")
    print(f"{'':26}{'':7}{'':9}  {'press → winner ms':>16}  {'press → last edit':>16}  {'press → all answered':>16}")
    quantiles = f"{'p50':>8}{'p99':>8}  " * 3
    print(f"{'database':<26}{'rounds':>7}{'1 winner':>9}  {quantiles.rstrip()}")
    for tally in tallies:
        print(tally.row())
    if any(t.one_winner != t.rounds for t in tallies):
        print("FAILED: a round did not have exactly one winner")
        sys.exit(1)


if __name__ == "__main__":
    main()
