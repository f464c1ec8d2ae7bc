"""Ticket SLA sweep cost: 10,000 vs 1,000,000 tickets in the table and the same number due.

The background tickets are closed history spread over the partners, loaded with bulk inserts; the due
ones are open tickets whose 75 % reminder, breach check or confirmation wait has passed. The sweeps use
indexed due-time columns, so the time should follow what is due, not the table: the ratio of the big
to the small run should stay at or under 1.5.

    python benchmarks/tickets_sweep_cost.py [--quick] [--due N]
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
AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # a Wednesday


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
    """Partners with a linked rep and one agent; `total - 3*due` closed tickets; `due` each of reminders,
    breaches and unconfirmed resolutions due."""
    db = sqlite3.connect(path)
    old = _stamp(AT - dt.timedelta(days=60))
    db.executemany(
        "INSERT INTO partners (id, external_id, name, type, tier, region, country, verticals, products, created_at,"
        " updated_at) VALUES (?, ?, ?, 'reseller', 'gold', 'emea', 'DE', '[]', '[]', ?, ?)",
        [(n, f"P-{n}", f"Partner {n}", old, old) for n in range(1, PARTNERS + 1)],
    )
    people = [(n, f"rep{n}@p{n}.example", f"Rep {n}", "partner_rep", n, old, old) for n in range(1, PARTNERS + 1)]
    people.append((PARTNERS + 1, "agent@vendor.example", "Agent", "support_agent", None, old, old))
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        people,
    )
    db.executemany(
        "INSERT INTO identities (person_id, platform, external_id, chat_id, linked_at, created_at) "
        "VALUES (?, 'console', ?, ?, ?, ?)",
        [(p[0], p[1], p[1], old, old) for p in people],
    )
    columns = (
        "partner_id, opened_by_id, submission_key, category, severity, subject, description, tier, status,"
        " escalated, version, assignee_id, opened_at, paused_minutes, first_response_reminder_at,"
        " breach_check_at, resolution_due_at, confirm_due_at, resolved_at, resolution, updated_at"
    )
    sql = f"INSERT INTO tickets ({columns}) VALUES ({', '.join('?' * 21)})"
    past = _stamp(AT - dt.timedelta(minutes=30))
    ahead = _stamp(AT + dt.timedelta(days=2))
    agent = PARTNERS + 1

    def rows() -> Any:
        for n in range(total - 3 * due):
            p = n % PARTNERS + 1
            yield (
                p,
                p,
                f"h{n}",
                "technical_product",
                "medium",
                "History",
                "old",
                "gold",
                "closed",
                0,
                3,
                agent,
                old,
                0,
                None,
                None,
                None,
                None,
                old,
                "done",
                old,
            )
        for n in range(due):  # 75 % of the first response gone
            p = n % PARTNERS + 1
            yield (
                p,
                p,
                f"r{n}",
                "technical_product",
                "medium",
                "Reminder",
                "x",
                "gold",
                "submitted",
                0,
                1,
                None,
                old,
                0,
                past,
                ahead,
                ahead,
                None,
                None,
                None,
                old,
            )
        for n in range(due):  # resolution time over: escalate
            p = n % PARTNERS + 1
            yield (
                p,
                p,
                f"b{n}",
                "technical_product",
                "high",
                "Breach",
                "x",
                "gold",
                "in_progress",
                0,
                2,
                agent,
                old,
                0,
                None,
                past,
                past,
                None,
                None,
                None,
                old,
            )
        for n in range(due):  # resolved, never confirmed: reopen
            p = n % PARTNERS + 1
            yield (
                p,
                p,
                f"c{n}",
                "technical_product",
                "low",
                "Confirm",
                "x",
                "gold",
                "resolved",
                0,
                4,
                agent,
                old,
                0,
                None,
                None,
                None,
                past,
                old,
                "answer",
                old,
            )

    db.executemany(sql, rows())
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def measure(total: int, due: int) -> dict[str, float]:
    from domain.sweeps import SweepContext
    from domain.tickets.desk import Desk
    from domain.tickets.sweeps import sweeps

    folder = tempfile.mkdtemp(prefix="pb-tickets-")
    path = f"{folder}/sweep.db"
    url = f"sqlite+aiosqlite:///{path}"
    app = await migrate(url)
    await app.close()
    started = time.perf_counter()
    bulk_load(path, total, due)
    load = time.perf_counter() - started
    app = await migrate(url)
    ctx = SweepContext(at=AT, uow=app.uow, calendar=app.calendar)
    desk = Desk(app.calendar)
    out: dict[str, float] = {"load_s": load}
    for sweep in sweeps(desk):
        started = time.perf_counter()
        out[sweep.name + ":count"] = await sweep.run(ctx)
        out[sweep.name] = time.perf_counter() - started
    started = time.perf_counter()
    out["second_run_count"] = sum([await s.run(ctx) for s in sweeps(desk)])
    out["second_run_s"] = time.perf_counter() - started
    await app.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 vs 100,000 tickets")
    parser.add_argument(
        "--due", type=int, default=100, help="tickets due per kind (reminders, breaches, confirmations)"
    )
    args = parser.parse_args()
    sizes = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    results = {size: asyncio.run(measure(size, args.due)) for size in sizes}
    names = ("tickets_first_response_reminders", "tickets_breaches", "tickets_unconfirmed_reopened")
    print(f"\nticket SLA sweep cost on SQLite: {args.due} reminders, breaches and confirmations due each")
    print(
        f"{'tickets':>10} {'load s':>8} {'reminders s':>12} {'breaches s':>11} {'reopened s':>11} {'total s':>9}"
        f" {'done':>6} {'2nd run':>8}"
    )
    totals = {}
    for size, r in results.items():
        total = sum(r[n] for n in names) + r["tickets_resolution_reminders"]
        totals[size] = total
        done = int(sum(r[n + ":count"] for n in names))
        print(
            f"{size:>10,} {r['load_s']:>8.2f} {r[names[0]]:>12.3f} {r[names[1]]:>11.3f} {r[names[2]]:>11.3f}"
            f" {total:>9.3f} {done:>6} {int(r['second_run_count']):>8}"
        )
    small, big = sizes
    print(f"ratio {big:,} / {small:,} tickets: {totals[big] / totals[small]:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
