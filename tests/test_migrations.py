"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import domain.all_models  # noqa: F401  (every table registers on Base.metadata)
from bot.app import App
from domain.models import Base


async def test_models_and_migrations_agree(app: App) -> None:
    async with app.engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == []
