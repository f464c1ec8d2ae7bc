"""Pacing to the platforms' limits: one schedule per key (a chat, a group, a whole bot).

A reservation is computed and recorded without an `await` in between, so concurrent senders in one
event loop never both take the same slot. A 429 pushes the key's next slot to the time the platform
named, so later messages wait instead of causing a storm of further 429s.

`Pacer` keeps the schedule in memory: enough for one process (the embedded SQLite default).
`SharedPacer` keeps it in the database, so several `serve` processes on PostgreSQL take their slots
from one schedule and together stay under the platform's limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.coordination import pacing
from domain.db import UowFactory


class Pacer:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next_free: dict[str, float] = {}

    def reserve(self, limits: Iterable[tuple[str, float]]) -> float:
        """Reserve the earliest slot allowed by every key; returns how long to wait for it."""
        limits = list(limits)
        now = self._clock()
        start = max([now, *(self._next_free.get(key, now) for key, _ in limits)])
        for key, interval in limits:
            self._next_free[key] = start + interval
        return start - now

    async def wait(self, limits: Iterable[tuple[str, float]]) -> None:
        delay = self.reserve(limits)
        if delay > 0:
            await asyncio.sleep(delay)

    async def back_off(self, key: str, seconds: float) -> None:
        self._next_free[key] = max(self._next_free.get(key, 0.0), self._clock() + seconds)


class SharedPacer:
    """The same schedule for every process that shares the database (wall-clock seconds, since
    monotonic clocks of two processes are not comparable)."""

    def __init__(
        self, uow: UowFactory, clock: Callable[[], float] = time.time, engine: AsyncEngine | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._known: set[str] = set()  # keys whose rows exist; only a key's first use creates it
        # On PostgreSQL a reservation is one statement in autocommit (see domain.coordination.pacing).
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine is not None and engine.dialect.name == "postgresql"
            else None
        )

    async def _reserve(self, limits: list[tuple[str, float]]) -> float:
        if self._autocommit is not None:
            async with self._autocommit.connect() as connection:
                return await pacing.reserve_in_one_statement(connection, limits, self._clock(), known=self._known)
        async with self._uow() as uow:
            start = await pacing.reserve(uow.session, limits, self._clock())
            await uow.commit()
        return start

    async def wait(self, limits: Iterable[tuple[str, float]]) -> None:
        start = await self._reserve(list(limits))
        delay = start - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def back_off(self, key: str, seconds: float) -> None:
        async with self._uow() as uow:
            await pacing.push_back(uow.session, key, self._clock() + seconds)
            await uow.commit()
