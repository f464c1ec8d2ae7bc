"""Several processes, one platform limit: the pacing schedule and the sender across processes.

Each "process" is its own app with its own engine and connection pool on one database, as separate
`serve` processes would be.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.app import App
from bot.pacing import Pacer, SharedPacer
from domain import outbox
from domain.coordination import pacing
from domain.db import create_engine, uow_factory
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.harness import telegram_settings


async def test_reservations_from_two_processes_never_share_a_slot(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    uows = [uow_factory(engine) for engine in engines]
    now = 1_000.0

    async def reserve(n: int) -> tuple[int, float]:
        async with uows[n % 2]() as uow:
            start = await pacing.reserve(uow.session, [("bot", 0.05), (f"chat:{n % 3}", 1.0)], now)
            await uow.commit()
        return n, start

    try:
        reserved = await asyncio.gather(*(reserve(n) for n in range(12)))
    finally:
        for engine in engines:
            await engine.dispose()
    starts = sorted(start for _n, start in reserved)
    assert starts[0] == now
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.05 - 1e-9  # the bot-wide limit
    for chat in range(3):  # and each chat's own: one a second, whichever process sent
        chat_starts = sorted(start for n, start in reserved if n % 3 == chat)
        assert min(b - a for a, b in itertools.pairwise(chat_starts)) >= 1.0 - 1e-9


async def test_a_429_in_one_process_holds_back_the_other(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await SharedPacer(uow_factory(engines[0]), clock=lambda: 2_000.0).back_off("bot", 3.0)
        async with uow_factory(engines[1])() as uow:
            start = await pacing.reserve(uow.session, [("bot", 0.05)], 2_000.0)
            await uow.commit()
    finally:
        for engine in engines:
            await engine.dispose()
    assert start == pytest.approx(2_003.0)


async def _deliver_in_small_batches(app: App) -> None:
    """Small claims, so the four senders share the wave instead of the first one claiming it all."""
    sender = app.sender(concurrency=16)
    while await sender.run_once(limit=10):
        pass


WAVE = 150  # five seconds at the bot limit, past its burst of 30


async def _four_senders_deliver(url: str, clock: Clock, shared: bool) -> FakeTelegramAPI:
    async with FakeTelegramAPI(enforce_limits=True) as fake:
        apps: list[App] = [make_app(url, clock, **telegram_settings(fake)) for _ in range(4)]
        await ChatFactory(apps[0], clock).seed_program()
        for app in apps:
            for setup in app.services.get("platform_setups", []):
                await setup(app)
            if not shared:
                app.pacer = Pacer()  # what each process had before: its own schedule
        async with apps[0].uow() as uow:
            for n in range(WAVE):
                await outbox.enqueue(
                    uow.session,
                    key=f"wave-{shared}-{n}",
                    kind="link.reminder",
                    platform="telegram",
                    chat_id=str(7000 + n),
                    not_before=clock(),
                )
            await uow.commit()
        try:
            await asyncio.gather(*(_deliver_in_small_batches(app) for app in apps))
        finally:
            for app in apps:
                await app.close()
        delivered = sum(len(fake.sent_to(7000 + n)) for n in range(WAVE))
        assert delivered == WAVE or not shared
        return fake


@pytest.mark.postgres
@pytest.mark.slow
async def test_four_sender_processes_stay_under_the_bot_limit_together(postgres_url: str, clock: Clock) -> None:
    fake = await _four_senders_deliver(postgres_url, clock, shared=True)
    assert fake.rate_limited_count == 0
    # Each process with its own schedule would send four times as fast: the fake refuses some.
    fake = await _four_senders_deliver(postgres_url, clock, shared=False)
    assert fake.rate_limited_count > 0


def test_the_pacer_of_an_installation_follows_its_database(sqlite_url: str, clock: Clock) -> None:
    """One process on SQLite keeps its schedule in memory; a server database shares it."""
    assert isinstance(make_app(sqlite_url, clock).pacer, Pacer)
    assert isinstance(make_app("postgresql+asyncpg://nobody@127.0.0.1:1/none", clock).pacer, SharedPacer)


def test_four_processes_fit_in_postgresqls_default_connections(clock: Clock) -> None:
    """PostgreSQL allows 100 connections by default, three of them kept for superusers."""
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    pool = make_app(url, clock).engine.sync_engine.pool
    most = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    assert most == 20 and 4 * most <= 100 - 3
    small = make_app(url, clock, PARTNERBOT_DATABASE_POOL_SIZE="8").engine.sync_engine.pool
    assert small.size() + small._max_overflow == 8  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_one_statement_reservations_move_each_key_on_once_even_for_new_keys(postgres_url: str) -> None:
    """Every direct message is a new chat key: its first reservation must not move the bot-wide key
    twice (a statement that found only the old key, then a retry, halved the rate once)."""
    engine = create_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    known: set[str] = set()
    try:
        async with engine.connect() as connection:
            starts = [
                await pacing.reserve_in_one_statement(
                    connection, [("bot", 0.05), (f"chat:{n}", 1.0)], 500.0, known=known
                )
                for n in range(4)
            ]
    finally:
        await engine.dispose()
    assert starts == pytest.approx([500.0, 500.05, 500.10, 500.15])
