"""Pacing to the platforms' limits: one schedule per key (a chat, a group, a whole bot).

A reservation is computed and recorded without an `await` in between, so concurrent senders in one
event loop never both take the same slot. A 429 pushes the key's next slot to the time the platform
named, so later messages wait instead of causing a storm of further 429s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable


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

    def back_off(self, key: str, seconds: float) -> None:
        self._next_free[key] = max(self._next_free.get(key, 0.0), self._clock() + seconds)
