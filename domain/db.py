"""Engine, sessions and the unit of work: one transaction per update or job (STYLE.md §5–6)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


DEFAULT_POOL_LIMIT = 20


def create_engine(url: str, *, echo: bool = False, pool_limit: int = DEFAULT_POOL_LIMIT) -> AsyncEngine:
    """Create the engine with the settings each backend needs to be safe under concurrency.

    SQLite gets WAL (readers never block the writer), foreign keys (off by default there) and a busy
    timeout so that two local processes wait for each other instead of failing at once.
    A server database gets at most `pool_limit` connections from this process: a few kept open, the
    rest opened for a burst and closed after it. The default, 20, lets four processes fit in
    PostgreSQL's default of 100 connections with room left for migrations and an operator's psql.
    """
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        # Every unit of work ends its transaction itself (commit, or the rollback of `close`); the pool's
        # extra rollback at check-in would be one more hop to the driver's thread per unit of work.
        kwargs.update(connect_args={"timeout": 30}, pool_reset_on_return=None)
    else:
        kept = min(5, pool_limit)
        kwargs.update(pool_pre_ping=True, pool_size=kept, max_overflow=pool_limit - kept)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # aiosqlite otherwise opens implicit transactions lazily; take control of BEGIN ourselves.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if make_url(url).database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock at the start, so "read then write" transactions never
            # deadlock into SQLITE_BUSY half-way; SQLite allows one writer anyway. A unit of work that
            # only reads says so and takes a plain BEGIN, which WAL lets run beside the writer.
            readonly = conn.get_execution_options().get(READONLY, False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


READONLY = "partnerbot_readonly"
OUTBOX_QUEUED = "partnerbot_outbox_queued"
"""Set in a session's `info` when pushes were queued in it (domain.outbox)."""


WRITER_WAIT = 30.0


class UnitOfWork:
    """One transaction: leave the block without `commit()` and everything is rolled back."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        readonly: bool = False,
        writer_lock: asyncio.Lock | None = None,
        committed: Callable[[AsyncSession], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._readonly = readonly
        self._writer_lock = writer_lock
        self._committed = committed
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        if self._writer_lock is not None:
            # SQLite has one writer; queueing writers here instead of in SQLite's busy handler (which
            # polls with growing sleeps) keeps latency flat when many requests write at once.
            await asyncio.wait_for(self._writer_lock.acquire(), WRITER_WAIT)
        self.session = self._sessions()
        if self._readonly:
            await self.session.connection(execution_options={READONLY: True})
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed but, unlike rollback(), leaves loaded objects
        # readable (detached, not expired), so results can be used after the block.
        try:
            await self.session.close()
        finally:
            if self._writer_lock is not None:
                self._writer_lock.release()

    async def commit(self) -> None:
        await self.session.commit()
        if self._committed is not None:
            self._committed(self.session)

    async def flush(self) -> None:
        await self.session.flush()


class UowFactory:
    """Makes units of work; `reader()` for the many requests that only look things up."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, single_writer: bool = False) -> None:
        self._sessions = sessions
        self._writer_lock = asyncio.Lock() if single_writer else None
        self.outbox_listeners: list[Callable[[], None]] = []
        """Called after a commit that queued pushes, in this process: the sender starts at once instead
        of at its next poll (other processes' senders still find the rows by polling)."""

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, writer_lock=self._writer_lock, committed=self._after_commit)

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.pop(OUTBOX_QUEUED, False):
            for listener in self.outbox_listeners:
                listener()

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, readonly=True)


def uow_factory(engine: AsyncEngine) -> UowFactory:
    return UowFactory(session_factory(engine), single_writer=engine.dialect.name == "sqlite")


@asynccontextmanager
async def rolled_back(engine: AsyncEngine) -> AsyncIterator[UowFactory]:
    """Units of work inside one outer transaction that is rolled back at the end: a dry run of real code.

    Each unit joins the outer transaction through a savepoint, so its `commit()` only releases the
    savepoint: code that commits runs exactly as it would, later units see earlier units' writes, and
    nothing of it is kept. On SQLite the outer transaction holds the write lock until it ends.
    """
    async with engine.connect() as connection:
        await connection.begin()
        sessions = async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield UowFactory(sessions)
        finally:
            await connection.rollback()


P = ParamSpec("P")
R = TypeVar("R")


def transactional(
    operation: Callable[Concatenate[AsyncSession, P], Awaitable[R]],
) -> Callable[Concatenate[UowFactory, P], Awaitable[R]]:
    """A domain operation as a service: it opens its own unit of work, runs and commits.

    Handlers and adapters call services; they never hold a write transaction themselves, so what
    commits together is decided once, here in the domain, next to the rules it protects.
    """

    @functools.wraps(operation)
    async def service(uow: UowFactory, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with uow() as work:
            result = await operation(work.session, *args, **kwargs)
            await work.commit()
        return result

    return service


def read_only(
    operation: Callable[Concatenate[AsyncSession, P], Awaitable[R]],
) -> Callable[Concatenate[UowFactory, P], Awaitable[R]]:
    """A domain look-up as a service, in a read transaction: on SQLite it never takes the write lock."""

    @functools.wraps(operation)
    async def service(uow: UowFactory, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with uow.reader() as work:
            return await operation(work.session, *args, **kwargs)

    return service
