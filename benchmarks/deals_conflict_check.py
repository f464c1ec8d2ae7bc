"""Deal conflict check: its cost with 100,000 registrations on file, and what it catches.

1. Cost. 100,000 active registrations (bulk-loaded into SQLite, each with its name tokens) from 40
   partners. For 400 new registrations (half of them near-duplicates of one on file) the full check
   (`find_conflicts`: same registrable domain, or a company name within the threshold among the
   registrations sharing a word start) is timed beside a plain indexed look-up of the same domain, the
   two alternating in the same run. Target: p50 ratio ≤ 3.
2. Quality. A labelled set of 200 near-duplicate company names (typos, other legal suffixes, word order,
   punctuation, accents) paired with their original, and 200 pairs of different companies: the share
   each method flags — the conflict check's name score vs a plain lowercase equality check.

    python benchmarks/deals_conflict_check.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
PARTNERS = 40
GENERIC = ("Systems", "Solutions", "Global", "Digital", "Data", "Services", "Group", "Technologies", "Labs")
SUFFIXES = ("GmbH", "Inc.", "Ltd", "LLC", "S.A.", "K.K.", "Ltda", "AG", "plc", "Corp.", "")


def word(rng: random.Random) -> str:
    """A made-up distinctive word ("Korvani", "Talu"): real company names carry at least one."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.choice((2, 3, 3, 4))))


def company(rng: random.Random) -> str:
    """One or two distinctive words, often a generic one, often a legal suffix."""
    words = [word(rng) for _ in range(rng.choice((1, 2, 2)))]
    if rng.random() < 0.6:
        words.append(rng.choice(GENERIC))
    return " ".join(w.capitalize() for w in words) + (" " + rng.choice(SUFFIXES)).rstrip()


def typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = rng.choice(letters[1:-1] or letters)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeioumnrst") + text[i + 1 :]


def near_duplicate(rng: random.Random, original: str) -> str:
    """One of the ways people write a company another partner already registered."""
    from domain.deals.validation import company_words

    words = company_words(original)
    kind = rng.choice(("typo", "suffix", "order", "punctuation", "case"))
    if kind == "typo":
        return typo(rng, original)
    if kind == "suffix":
        return " ".join(w.capitalize() for w in words) + " " + rng.choice([s for s in SUFFIXES if s])
    if kind == "order":
        return " ".join(w.capitalize() for w in reversed(words))
    if kind == "punctuation":
        return ", ".join(w.upper() for w in words) + "."
    return original.upper()


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def bulk_load(path: str, total: int, rng: random.Random) -> list[tuple[str, str]]:
    from domain.deals.validation import company_key, name_tokens

    db = sqlite3.connect(path)
    old = _stamp(AT - dt.timedelta(days=30))
    db.executemany(
        "INSERT INTO partners (id, external_id, name, type, tier, region, country, verticals, products, created_at,"
        " updated_at) VALUES (?, ?, ?, 'reseller', 'gold', 'emea', 'DE', '[]', '[]', ?, ?)",
        [(n, f"P-{n}", f"Partner {n}", old, old) for n in range(1, PARTNERS + 1)],
    )
    db.executemany(
        "INSERT INTO people (id, email, name, role, partner_id, urgent_in_quiet_hours, created_at, updated_at)"
        " VALUES (?, ?, ?, 'partner_rep', ?, 0, ?, ?)",
        [(n, f"rep{n}@p{n}.example", f"Rep {n}", n, old, old) for n in range(1, PARTNERS + 1)],
    )
    on_file: list[tuple[str, str]] = []
    deals, tokens = [], []
    for n in range(1, total + 1):
        name = company(rng)
        domain = f"c{n}-{rng.randrange(10**6)}.com"
        key = company_key(name)
        partner = n % PARTNERS + 1
        deals.append(
            (
                n,
                partner,
                partner,
                f"k{n}",
                name,
                key,
                domain,
                "Lee",
                "lee@x.com",
                "1000",
                "EUR",
                "2027-03-01",
                "cloud",
                "gold",
                "approved",
                1,
                0,
                old,
                old,
            )
        )
        tokens += [(n, t) for t in name_tokens(key)]
        on_file.append((name, domain))
    db.executemany(
        "INSERT INTO deals (id, partner_id, registered_by_id, submission_key, company, company_key, domain,"
        " contact_name, contact_email, amount, currency, close_date, product, tier, status, version, extensions,"
        " submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        deals,
    )
    db.executemany("INSERT INTO deal_name_tokens (deal_id, token) VALUES (?, ?)", tokens)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return on_file


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timing(url: str, probes: list[tuple[str, str]]) -> dict[str, list[float]]:
    from sqlalchemy import select

    from domain.db import create_engine
    from domain.deals.conflicts import find_conflicts
    from domain.deals.models import Deal
    from domain.deals.validation import company_key

    engine = create_engine(url)
    from sqlalchemy.ext.asyncio import async_sessionmaker

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    times: dict[str, list[float]] = {"conflict check": [], "indexed domain look-up": []}
    async with sessions() as session:
        for warm in probes[:20]:  # warm the page cache and the statement cache for both
            await find_conflicts(session, partner_id=0, company_key=company_key(warm[0]), domain=warm[1], threshold=90)
            await session.execute(select(Deal.id).where(Deal.domain == warm[1]).limit(20))
        for name, domain in probes:
            key = company_key(name)
            start = time.perf_counter()
            await find_conflicts(session, partner_id=0, company_key=key, domain=domain, threshold=90)
            times["conflict check"].append(time.perf_counter() - start)
            start = time.perf_counter()
            (await session.execute(select(Deal.id).where(Deal.domain == domain).limit(20))).all()
            times["indexed domain look-up"].append(time.perf_counter() - start)
    await engine.dispose()
    return times


async def quality(url: str, on_file: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, float, float]]:
    """Through the real path: each near-duplicate is checked against the whole file (the original is one of
    the registrations on file, another partner's); a different name must flag nothing of the same name."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from domain.db import create_engine
    from domain.deals.conflicts import find_conflicts
    from domain.deals.validation import company_key

    picked = rng.sample(range(len(on_file)), 200)
    duplicates = [(i + 1, near_duplicate(rng, on_file[i][0])) for i in picked]
    different = [(i + 1, company(rng)) for i in picked]
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    caught = wrong = 0
    async with sessions() as session:
        for deal_id, name in duplicates:
            found = await find_conflicts(
                session, partner_id=0, company_key=company_key(name), domain=None, threshold=90
            )
            caught += any(m.deal_id == deal_id for m in found)
        for deal_id, name in different:
            found = await find_conflicts(
                session, partner_id=0, company_key=company_key(name), domain=None, threshold=90
            )
            wrong += any(m.deal_id == deal_id for m in found)
    await engine.dispose()
    plain_caught = sum(name.lower() == on_file[i - 1][0].lower() for i, name in duplicates)
    plain_wrong = sum(name.lower() == on_file[i - 1][0].lower() for i, name in different)
    return [
        ("conflict check (find_conflicts)", 100.0 * caught / 200, 100.0 * wrong / 200),
        ("lowercase equality", 100.0 * plain_caught / 200, 100.0 * plain_wrong / 200),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 registrations and 100 probes")
    args = parser.parse_args()
    total, probes_n = (10_000, 100) if args.quick else (100_000, 400)
    rng = random.Random(14)
    from bot.app import build_app
    from bot.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        url = f"sqlite+aiosqlite:///{path}"
        app = build_app(load_settings(database_url=url), clock=lambda: AT)
        await app.migrate()
        await app.close()
        started = time.perf_counter()
        on_file = bulk_load(path, total, rng)
        loaded = time.perf_counter() - started
        probes: list[tuple[str, str]] = []
        for n in range(probes_n):
            if n % 2:
                name, _domain = rng.choice(on_file)
                probes.append((near_duplicate(rng, name), f"new{n}.com"))
            else:
                probes.append((company(rng), f"new{n}.com"))
        times = await timing(url, probes)
        judged = await quality(url, on_file, rng)
    print(f"# {total:,} registrations on file (loaded in {loaded:.1f} s); {probes_n} checks, SQLite\n")
    base = statistics.median(times["indexed domain look-up"])
    print(f"{'method':<26} {'p50 ms':>8} {'p99 ms':>8} {'p50 ratio':>10}")
    for label, values in times.items():
        p50, p99 = statistics.median(values), pct(values, 0.99)
        print(f"{label:<26} {p50 * 1000:8.3f} {p99 * 1000:8.3f} {p50 / base:10.2f}")
    print("\n# 200 near-duplicates of names on file (typo, suffix, word order, punctuation, case), and 200 different")
    print("# names: the share whose registration on file is flagged, checked against all of the file\n")
    print(f"{'method':<34} {'near-duplicates flagged %':>26} {'different names flagged %':>26}")
    for label, caught, false in judged:
        print(f"{label:<34} {caught:26.1f} {false:26.1f}")


if __name__ == "__main__":
    asyncio.run(main())
