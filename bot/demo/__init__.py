"""The demo program: a handful of partners of every kind, their people, staff and the starter KB.

It is loaded through the same importers an operator uses, so the demo exercises the real paths.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app import App
from bot.capabilities import CAPABILITIES
from bot.console import ensure_console_identity
from bot.importer import import_file
from domain.errors import NotFound
from domain.models import Partner

HERE = Path(__file__).resolve().parent
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


async def load_demo(app: App, on_console: str | None = None) -> str | None:
    """Load the demo program into an empty database; returns a summary line, or None if it had data.

    The directory (partners, people) first, then `on_console` (the person the demo chats as) linked to
    the terminal, then each capability's own demo data, in the order of ``bot.capabilities.CAPABILITIES``:
    the demo's offers then reach the person at the terminal, and a CAM is told only of those nobody
    can reach yet, as it would be in a program whose partner had opened the bot before the lead came.
    """
    async with app.uow.reader() as uow:
        if await uow.session.scalar(select(func.count()).select_from(Partner)):
            return None
    loaded = [await _import(app, kind, HERE / f"{kind}.csv") for kind in ("partners", "people")]
    if on_console is not None:
        try:
            await ensure_console_identity(app, on_console)
        except NotFound:
            pass  # not in the demo directory: the chat says so, after the demo is loaded whole
    for capability in app.capabilities:
        demo = capability.demo
        if demo is None:
            continue
        if demo.extra is not None and (line := await demo.extra(app.deps)):
            loaded.append(line)
        loaded += [await _import(app, kind, path) for kind, path in demo.imports]
    return "demo program loaded: " + ", ".join(loaded)


async def _import(app: App, kind: str, path: Path) -> str:
    result, errors = await import_file(app, kind, path, skip_invalid=False)
    if result is None:
        raise RuntimeError(f"demo {kind} did not validate: {errors[:3]}")
    return f"{result.created} {kind}"


def demo_file(kind: str) -> Path:
    """The demo program's file for an import kind (tests and benchmarks load parts of it)."""
    for capability in CAPABILITIES:
        for name, path in capability.demo.imports if capability.demo else ():
            if name == kind:
                return path
    return HERE / f"{kind}.csv"
