"""Shared fixtures: an app on a fresh database per test (SQLite always; PostgreSQL when selected).

PostgreSQL: each test session creates its own database on the local server and drops it at the end;
each test starts from empty tables. Without a reachable server the PostgreSQL variants are skipped
with a visible reason, except under CI, where they fail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from bot.app import App, build_app
from bot.config import load_settings
from domain.db import create_engine
from domain.migrate import upgrade
from tests.chat import ChatFactory, Clock

pytest_plugins = ["tests.fakes.fixtures"]

PG_ADMIN_URL = os.environ.get("PARTNERBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or platform tokens.

    The KB sentence model is off unless a test turns it on: encoding the starter knowledge base
    takes seconds of CPU for every app a test builds.  Its own tests (tests/knowledge_base,
    test_kb_chat.py) turn it on and check what it changes.
    """
    for name in list(os.environ):
        if name.startswith(("PARTNERBOT_", "SLACK_", "TELEGRAM_")) and name != "PARTNERBOT_TEST_PG":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARTNERBOT_KB_SENTENCE_MODEL", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test gets a copy of the migrated file."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def make() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(make())
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test session, migrated once."""
    name = f"pb_test_{uuid.uuid4().hex[:10]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]

    async def admin(sql: str) -> None:
        engine = create_engine(PG_ADMIN_URL)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await engine.dispose()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    url = f"{base}/{name}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all(url: str) -> None:
    import domain.all_models  # noqa: F401  (every table on the metadata)
    from domain.models import Base

    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def backend_params() -> list[Any]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=backend_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_truncate_all(url))
    return url


@pytest.fixture
def postgres_url(pg_database: str) -> str:
    """PostgreSQL only, empty tables: for behaviour that only a concurrent server database can show."""
    asyncio.run(_truncate_all(pg_database))
    return pg_database


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests about a surface rather than the database."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))


def make_app(url: str, clock: Clock, **settings: Any) -> App:
    return build_app(load_settings(database_url=url, **settings), clock=clock)


@pytest_asyncio.fixture
async def app(database_url: str, clock: Clock) -> AsyncIterator[App]:
    application = make_app(database_url, clock)
    yield application
    await application.close()


@pytest_asyncio.fixture
async def chats(app: App, clock: Clock) -> ChatFactory:
    factory = ChatFactory(app, clock)
    await factory.seed_program()
    return factory
