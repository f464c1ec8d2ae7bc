"""The daily onboarding sweep: 50,000 and 500,000 partners on file, the same 2,500 journeys due (5 % of the
smaller program), in one run.

Background partners joined long ago (their journeys are over); 2,500 joined 6 days ago and are due this
morning, each with one linked partner admin; another 2,500 joined recently and are not due until
tomorrow. The sweep enrols by an indexed `joined_on` and checks by an indexed `check_at`, so its time and
the queries it issues should follow what is due, not the table: target ratio of the big to the small run
≤ 1.5. Also printed: the alert messages per CAM (one folded message per CAM per sweep).

    python benchmarks/onboarding_sweep_cost.py [--quick]
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

AT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Berlin
CAMS = 50


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def bulk_load(path: str, total: int, due: int) -> None:
    db = sqlite3.connect(path)
    old = _stamp(AT - dt.timedelta(days=400))
    cams = [(n, f"cam{n}@vendor.example", f"CAM {n}", "cam", None, old, old) for n in range(1, CAMS + 1)]
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        cams,
    )
    recent, long_ago = (AT - dt.timedelta(days=6)).date(), (AT - dt.timedelta(days=400)).date()
    partners = []
    for n in range(1, total + 1):
        joined = recent if n <= 2 * due else long_ago
        partners.append(
            (
                n,
                f"P-{n}",
                f"Partner {n}",
                "reseller",
                "silver",
                "emea",
                "DE",
                "[]",
                "[]",
                f"cam{n % CAMS + 1}@vendor.example",
                "Europe/Berlin",
                joined.isoformat(),
                old,
                old,
            )
        )
    db.executemany(
        "INSERT INTO partners (id, external_id, name, type, tier, region, country, verticals, products, cam_email,"
        " timezone, joined_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        partners,
    )
    linked = _stamp(AT - dt.timedelta(days=5))
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, linked_at, created_at,"
        " updated_at) VALUES (?, ?, ?, 'partner_admin', ?, 0, ?, ?, ?)",
        [(CAMS + n, f"admin{n}@p{n}.example", f"Admin {n}", n, linked, old, old) for n in range(1, due + 1)],
    )
    db.executemany(
        "INSERT INTO identities (person_id, platform, external_id, chat_id, linked_at, created_at)"
        " VALUES (?, 'console', ?, ?, ?, ?)",
        [(CAMS + n, f"admin{n}", f"admin{n}", linked, old) for n in range(1, due + 1)],
    )
    journeys = []
    for n in range(1, 2 * due + 1):
        check = AT - dt.timedelta(minutes=5) if n <= due else AT + dt.timedelta(days=1)
        journeys.append((n, n, recent.isoformat(), _stamp(check), "{}", "{}", "[]", 0, old))
    db.executemany(
        "INSERT INTO onboarding_journeys (id, partner_id, joined_on, check_at, nudged, snoozed, alerted, review_sent,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        journeys,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def measure(total: int, due: int) -> dict[str, Any]:
    from sqlalchemy import event, func, select

    from bot.app import build_app
    from bot.config import load_settings
    from domain.models import OutboxMessage

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        url = f"sqlite+aiosqlite:///{path}"
        app = build_app(load_settings(database_url=url), clock=lambda: AT)
        await app.migrate()
        await app.close()
        started = time.perf_counter()
        bulk_load(path, total, due)
        loaded = time.perf_counter() - started
        app = build_app(load_settings(database_url=url), clock=lambda: AT)
        queries = 0

        def count(*_args: Any) -> None:
            nonlocal queries
            queries += 1

        event.listen(app.engine.sync_engine, "before_cursor_execute", count)
        from domain.onboarding import journeys
        from domain.onboarding.policy import OnboardingPolicy
        from domain.sweeps import SweepContext

        policy = app.deps.services[OnboardingPolicy]
        (sweep,) = journeys.sweeps(policy)
        ctx = SweepContext(at=AT, uow=app.uow, calendar=app.deps.calendar)
        started = time.perf_counter()
        checked = await sweep.run(ctx)
        elapsed = time.perf_counter() - started
        async with app.uow.reader() as uow:
            kinds = dict(
                (await uow.session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind))).all()
            )
        event.remove(app.engine.sync_engine, "before_cursor_execute", count)
        await app.close()
    return {"loaded": loaded, "seconds": elapsed, "queries": queries, "checked": checked, "kinds": kinds}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 and 50,000 partners, 250 due")
    args = parser.parse_args()
    small, big, due = (5_000, 50_000, 250) if args.quick else (50_000, 500_000, 2_500)
    rows = []
    for total in (small, big):
        rows.append((total, await measure(total, due)))
    print(f"# onboarding sweep, SQLite, {due:,} journeys due, {CAMS} CAMs\n")
    print(
        f"{'partners':>10} {'checked':>8} {'seconds':>8} {'queries':>8} {'nudges':>7} {'CAM msgs':>9} {'msgs/CAM':>9}"
    )
    for total, r in rows:
        alerts = r["kinds"].get("onboarding.alerts", 0)
        print(
            f"{total:>10,} {r['checked']:>8,} {r['seconds']:>8.2f} {r['queries']:>8,} "
            f"{r['kinds'].get('onboarding.nudge', 0):>7,} {alerts:>9,} {alerts / CAMS:>9.2f}"
        )
    ratio = rows[1][1]["seconds"] / rows[0][1]["seconds"]
    queries = rows[1][1]["queries"] / rows[0][1]["queries"]
    print(f"\nratio big/small: time {ratio:.2f}, queries {queries:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    asyncio.run(main())
