"""Sweep cost: the follow-up sweeps with 10,000 vs 1,000,000 leads in the table and the same number due.

The background leads are history (converted, disqualified, expired) spread over the partners, loaded
with bulk inserts; the due leads are claimed leads whose reminder or follow-up time has passed. Sweeps
use indexed due-time columns, so the time should follow what is due, not the table: the ratio of the
big to the small run should stay under 2.

    python benchmarks/leads_sweep_cost.py [--quick] [--due N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARTNERS = 20
AT = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _stamp(value: dt.datetime) -> str:
    """How SQLAlchemy stores our UTC datetimes in SQLite (naive UTC text)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


async def migrate(url: str) -> Any:
    from bot.app import build_app
    from bot.config import load_settings

    app = build_app(load_settings(database_url=url), clock=lambda: AT)
    await app.migrate()
    return app


def bulk_load(path: str, total: int, due: int) -> None:
    """Partners with a linked rep each, `total - 2*due` closed leads, `due` reminders and `due` reclaims due."""
    db = sqlite3.connect(path)
    now = _stamp(AT - dt.timedelta(days=30))
    db.executemany(
        "INSERT INTO partners (id, external_id, name, type, tier, region, country, verticals, products, created_at,"
        " updated_at) VALUES (?, ?, ?, 'reseller', 'gold', 'emea', 'DE', '[]', '[\"cloud-suite\"]', ?, ?)",
        [(n, f"P-{n}", f"Partner {n}", now, now) for n in range(1, PARTNERS + 1)],
    )
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, created_at, updated_at)"
        " VALUES (?, ?, ?, 'partner_rep', ?, 0, ?, ?)",
        [(n, f"rep{n}@p{n}.example", f"Rep {n}", n, now, now) for n in range(1, PARTNERS + 1)],
    )
    db.executemany(
        "INSERT INTO identities (person_id, platform, external_id, chat_id, linked_at, created_at) "
        "VALUES (?, 'console', ?, ?, ?, ?)",
        [(n, f"rep{n}@p{n}.example", f"rep{n}@p{n}.example", now, now) for n in range(1, PARTNERS + 1)],
    )
    columns = (
        "external_id, company, region, product, priority, assignment, status, mode, round, partner_id,"
        " holder_person_id, excluded_partner_ids, held_since, reminder_due_at, followup_due_at, closed_at,"
        " created_at, updated_at"
    )
    sql = f"INSERT INTO leads ({columns}) VALUES ({', '.join('?' * 18)})"
    closed = ("converted", "disqualified", "expired")
    past = _stamp(AT - dt.timedelta(hours=1))
    held = _stamp(AT - dt.timedelta(hours=30))

    def rows() -> Any:
        for n in range(total - 2 * due):
            p = n % PARTNERS + 1
            yield (
                f"H-{n}",
                "History Co",
                "emea",
                "cloud-suite",
                "warm",
                "shark_tank",
                closed[n % 3],
                "shark_tank",
                1,
                p,
                p,
                "[]",
                now,
                None,
                None,
                now,
                now,
                now,
            )
        for n in range(due):  # half-time reminder due (follow-up still ahead)
            p = n % PARTNERS + 1
            yield (
                f"R-{n}",
                "Remind Co",
                "emea",
                "cloud-suite",
                "warm",
                "shark_tank",
                "claimed",
                "shark_tank",
                1,
                p,
                p,
                "[]",
                held,
                past,
                _stamp(AT + dt.timedelta(hours=18)),
                None,
                now,
                now,
            )
        for n in range(due):  # follow-up SLA over: reclaim
            p = n % PARTNERS + 1
            yield (
                f"D-{n}",
                "Reclaim Co",
                "emea",
                "cloud-suite",
                "warm",
                "shark_tank",
                "claimed",
                "shark_tank",
                1,
                p,
                p,
                "[]",
                held,
                None,
                past,
                None,
                now,
                now,
            )

    db.executemany(sql, rows())
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def measure(total: int, due: int) -> dict[str, float]:
    from domain.leads import followup
    from domain.leads.policy import LeadPolicy
    from domain.sweeps import SweepContext

    folder = tempfile.mkdtemp(prefix="pb-sweep-")
    path = f"{folder}/sweep.db"
    url = f"sqlite+aiosqlite:///{path}"
    app = await migrate(url)
    await app.close()
    started = time.perf_counter()
    bulk_load(path, total, due)
    load = time.perf_counter() - started
    app = await migrate(url)
    ctx = SweepContext(at=AT, uow=app.uow, calendar=app.calendar)
    out = {"load_s": load}
    for sweep in followup.sweeps(LeadPolicy()):
        started = time.perf_counter()
        count = await sweep.run(ctx)
        out[sweep.name] = time.perf_counter() - started
        out[sweep.name + ":count"] = count
    started = time.perf_counter()
    again = sum([await s.run(ctx) for s in followup.sweeps(LeadPolicy())])
    out["second_run_s"] = time.perf_counter() - started
    out["second_run_count"] = again
    await app.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 vs 100,000 leads")
    parser.add_argument("--due", type=int, default=200, help="leads due per sweep (reminders and reclaims each)")
    args = parser.parse_args()
    sizes = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    results = {size: asyncio.run(measure(size, args.due)) for size in sizes}
    small, big = (results[s] for s in sizes)
    print(f"\nfollow-up sweep cost on SQLite: {args.due} reminders and {args.due} reclaims due, {PARTNERS} partners")
    print(
        f"{'leads in table':>15} {'load s':>8} {'reminders s':>12} {'reclaims s':>11} {'total s':>9} {'2nd run s':>10}"
    )
    for size in sizes:
        r = results[size]
        total = r["leads_followup_reminders"] + r["leads_followup_reclaimed"]
        print(
            f"{size:>15,} {r['load_s']:>8.1f} {r['leads_followup_reminders']:>12.3f}"
            f" {r['leads_followup_reclaimed']:>11.3f}"
            f" {total:>9.3f} {r['second_run_s']:>10.4f}"
        )
        assert r["leads_followup_reminders:count"] == args.due and r["leads_followup_reclaimed:count"] == args.due
        assert r["second_run_count"] == 0
    ratio = (big["leads_followup_reminders"] + big["leads_followup_reclaimed"]) / (
        small["leads_followup_reminders"] + small["leads_followup_reclaimed"]
    )
    print(f"ratio {sizes[1]:,} / {sizes[0]:,} leads: {ratio:.2f} (target < 2)")


if __name__ == "__main__":
    main()
