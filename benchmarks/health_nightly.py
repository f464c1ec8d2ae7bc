"""Nightly tier and health evaluation: 5,000 and 50,000 partners (each with two people, one linked, and
one certification), timed in the same run; the evaluation reads the program in a handful of grouped
queries, so time should grow with the partners it writes a snapshot for, not with a query per partner.

    python benchmarks/health_nightly.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AT = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def bulk_load(path: str, total: int) -> None:
    db = sqlite3.connect(path)
    old = _stamp(AT - dt.timedelta(days=400))
    tiers = ("registered", "silver", "gold", "platinum")
    db.executemany(
        "INSERT INTO partners (id, external_id, name, type, tier, region, country, verticals, products,"
        " cam_email, timezone, joined_on, created_at, updated_at)"
        " VALUES (?, ?, ?, 'reseller', ?, 'emea', 'DE', '[]', '[]', 'cam@vendor.example', 'Europe/Berlin', ?, ?, ?)",
        [
            (n, f"P-{n}", f"Partner {n}", tiers[n % 4], f"2025-{n % 12 + 1:02d}-15", old, old)
            for n in range(1, total + 1)
        ],
    )
    people = []
    for n in range(1, total + 1):
        people.append(
            (2 * n, f"a{n}@p{n}.example", f"A {n}", "partner_admin", n, _stamp(AT - dt.timedelta(days=9)), old, old)
        )
        people.append((2 * n + 1, f"r{n}@p{n}.example", f"R {n}", "partner_rep", n, None, old, old))
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, linked_at, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
        people,
    )
    db.executemany(
        "INSERT INTO credentials (partner_id, person_id, holder, category, kind, expires_on, reminded, updated_at)"
        " VALUES (?, ?, ?, 'certification', 'Sales', ?, '[]', ?)",
        [(n, 2 * n, f"a{n}@p{n}.example", "2027-06-30" if n % 3 else "2026-10-01", old) for n in range(1, total + 1)],
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def measure(total: int) -> tuple[float, int, int]:
    from sqlalchemy import event

    from bot.app import build_app
    from bot.config import load_settings
    from domain.health.nightly import evaluate
    from domain.health.policy import HealthPolicy

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        app = build_app(load_settings(database_url=url), clock=lambda: AT)
        await app.migrate()
        await app.close()
        bulk_load(str(Path(tmp) / "bench.db"), total)
        app = build_app(load_settings(database_url=url), clock=lambda: AT)
        queries = 0

        def count(*_args: object) -> None:
            nonlocal queries
            queries += 1

        event.listen(app.engine.sync_engine, "before_cursor_execute", count)
        started = time.perf_counter()
        async with app.uow() as uow:
            done = await evaluate(uow.session, AT, app.deps.services[HealthPolicy])
            await uow.commit()
        elapsed = time.perf_counter() - started
        await app.close()
    return elapsed, queries, done


async def main() -> None:
    rows = [(n, *await measure(n)) for n in (5_000, 50_000)]
    print("# nightly tier and health evaluation, SQLite\n")
    print(f"{'partners':>9} {'evaluated':>10} {'seconds':>8} {'queries':>8} {'ms/partner':>11}")
    for n, seconds, queries, done in rows:
        print(f"{n:>9,} {done:>10,} {seconds:>8.2f} {queries:>8,} {1000 * seconds / n:>11.3f}")


if __name__ == "__main__":
    asyncio.run(main())
