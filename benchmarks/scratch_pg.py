"""A throwaway PostgreSQL database for one benchmark run, dropped afterwards however the run ends.

Shared by every benchmark that measures PostgreSQL; the server is the one the tests use
(`PARTNERBOT_TEST_PG`, default the local loopback server, database `test` for administration).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from domain.db import create_engine

PG_ADMIN_URL = os.environ.get("PARTNERBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def pg_admin(sql: str) -> None:
    """One administrative statement (CREATE/DROP DATABASE cannot run inside a transaction)."""
    engine = create_engine(PG_ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def create_database(prefix: str = "pb_bench") -> str:
    """Create an empty database and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


async def drop_database(url: str) -> None:
    await pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database(prefix: str = "pb_bench") -> AsyncIterator[str]:
    url = await create_database(prefix)
    try:
        yield url
    finally:
        await drop_database(url)
