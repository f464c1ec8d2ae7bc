"""Commands that only read never wait for SQLite's write lock.

Another process (an import, a sweep, a second worker) holding the write lock must not stall `/help`,
`/leads`, `/settings` or a KB question: on SQLite they run in a plain read transaction, which WAL lets
run beside the writer. Before, every command in a private chat first deleted any half-filled form in a
write transaction and so queued behind the other process for up to the 30 s busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.chat import ChatFactory, Clock
from tests.conftest import make_app

# Far below the busy timeout a blocked write would wait for, far above a read on a loaded machine.
ANSWER_WITHIN = 8.0


@pytest.fixture
def locked_by_another_process(sqlite_url: str) -> Iterator[sqlite3.Connection]:
    """A second connection that takes SQLite's write lock and keeps it for the whole test."""
    path = make_url(sqlite_url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


async def test_read_only_commands_answer_while_another_process_holds_the_write_lock(
    sqlite_url: str, clock: Clock, locked_by_another_process: sqlite3.Connection
) -> None:
    app = make_app(sqlite_url, clock)
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        ana = await chats.linked("ana@acme.example")
        carla = await chats.linked("carla.cam@vendor.example")
        locked_by_another_process.execute("BEGIN IMMEDIATE")
        expected = (
            (ana, "/help", "What you can do"),
            (ana, "/leads", "no open leads"),
            (ana, "/settings", "Your settings"),
            (ana, "/tickets", "no open tickets"),
            (carla, "/why L-404", "L-404"),
        )
        for chat, text, said in expected:
            answer = await asyncio.wait_for(chat.send(text), ANSWER_WITHIN)
            assert said in answer.text, (text, answer.text)
    finally:
        await app.close()


async def test_a_form_step_still_writes_once_the_lock_is_free(
    sqlite_url: str, clock: Clock, locked_by_another_process: sqlite3.Connection
) -> None:
    """The other side: a real write waits for the lock and then goes through, nothing lost."""
    app = make_app(sqlite_url, clock)
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        ana = await chats.linked("ana@acme.example")
        locked_by_another_process.execute("BEGIN IMMEDIATE")
        opening = asyncio.create_task(ana.send("/settings edit"))
        done, _pending = await asyncio.wait({opening}, timeout=0.5)
        assert not done  # the form's first write waits for the lock rather than failing or skipping
        locked_by_another_process.execute("ROLLBACK")
        first = await asyncio.wait_for(opening, ANSWER_WITHIN)
        assert "Language" in first.text
        assert "Cancelled" in (await ana.send("/cancel")).text
    finally:
        await app.close()
