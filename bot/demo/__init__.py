"""The demo program: a handful of partners of every kind, their people, staff and the starter KB.

It is loaded through the same importers an operator uses, so the demo exercises the real paths.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app import App
from bot.importer import import_file
from domain.models import Partner

HERE = Path(__file__).resolve().parent
ARTICLES = HERE.parent.parent / "knowledge_base" / "articles"
DEMO_PARTNER_EMAIL = "ana@acme.example"


def reset_database(url: str) -> None:
    """Delete the demo's SQLite file; other databases are never dropped by a demo."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError("demo --reset only deletes a SQLite database file; drop other databases yourself")
    database = parsed.database
    if database and database != ":memory:":
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)


async def load_demo(app: App) -> str | None:
    """Load the demo program into an empty database; returns a summary line, or None if it had data."""
    async with app.uow() as uow:
        if await uow.session.scalar(select(func.count()).select_from(Partner)):
            return None
    for kind in ("partners", "people"):
        result, errors = await import_file(app, kind, HERE / f"{kind}.csv", skip_invalid=False)
        if result is None:
            raise RuntimeError(f"demo {kind} did not validate: {errors[:3]}")
    extra = await load_demo_extras(app)
    kb = await app.deps.services["kb"].import_dir(ARTICLES, now=app.deps.now()) if ARTICLES.is_dir() else None
    articles = f", {kb.created} knowledge-base articles" if kb else ""
    return f"demo program loaded: 6 partners, 13 people{articles}{extra}"


async def load_demo_extras(app: App) -> str:
    """Capabilities with demo data of their own (leads, …) add it here."""
    result, errors = await import_file(app, "leads", HERE / "leads.csv", skip_invalid=False)
    if result is None:
        raise RuntimeError(f"demo leads did not validate: {errors[:3]}")
    return f", {result.created} leads"
