"""Issue 11, item 11: a long import writes in batches and lets other writers in between them.

Before, one SQLite write transaction held the lock for the whole file: a webhook (here: another unit of
work, as a webhook's would be) waited until the import ended. Now it gets in at the first gap.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.importer import import_file
from domain import linking
from domain.leads.models import Lead
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import lead_row, write_leads


async def test_item11_another_writer_gets_in_while_a_long_import_runs(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    path = write_leads([lead_row(f"B-{n}", assignment="round_robin") for n in range(60)], tmp_path / "leads.csv")
    order: list[str] = []
    started = asyncio.Event()
    written: list[int] = []

    def progress(rows: int) -> None:
        written.append(rows)
        started.set()

    async def webhook_like_write() -> None:
        await started.wait()  # the import has begun writing
        async with app.uow() as uow:
            await linking.issue_code(uow.session, "ana@acme.example", clock())
            await uow.commit()
        order.append(f"other writer after {sum(written)} rows")

    async def long_import() -> None:
        result, errors = await import_file(app, "leads", path, skip_invalid=False, progress=progress, batch=10)
        assert errors == [] and result is not None and result.created == 60
        order.append("import")

    await asyncio.gather(long_import(), webhook_like_write())
    assert order[-1] == "import"
    assert order[0] != "other writer after 60 rows", "the other write waited for the whole import"
    assert sum(written) == 60
    async with app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Lead)) == 60


async def test_item11_a_file_with_a_bad_row_still_writes_nothing(app: App, chats: ChatFactory, tmp_path: Path) -> None:
    rows = [lead_row(f"N-{n}") for n in range(25)] + [lead_row("N-bad", region="mars")]
    path = write_leads(rows, tmp_path / "leads.csv")
    result, errors = await import_file(app, "leads", path, skip_invalid=False, batch=10)
    assert result is None and [e.row for e in errors] == [27]
    async with app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Lead)) == 0
