"""Token buckets for the fakes' optional rate limits, with an injectable clock.

An injectable clock lets a test step time forward instead of sleeping, keeping the suite fast.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

Clock = Callable[[], float]


class Limiter(Protocol):
    """What the fakes need from a limiter: ask first, spend only when every limit allows the send."""

    def retry_after(self, key: object) -> int: ...

    def spend(self, key: object) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Per-key token buckets: `rate` tokens per second, holding at most `burst` tokens."""

    rate: float
    burst: float = 1.0
    clock: Clock = time.monotonic
    _buckets: dict[object, _Bucket] = field(default_factory=dict)

    def _refill(self, key: object) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def retry_after(self, key: object) -> int:
        """Whole seconds until `key` may send again; 0 means it may send now (nothing is spent)."""
        bucket = self._refill(key)
        if bucket.tokens >= 1.0:
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def spend(self, key: object) -> None:
        """Record one send for `key`."""
        self._refill(key).tokens -= 1.0


@dataclass
class WindowLimiter:
    """At most `limit` sends per key in any `window` seconds (Telegram's "20 messages per minute")."""

    limit: int
    window: float
    clock: Clock = time.monotonic
    _sent: dict[object, deque[float]] = field(default_factory=dict)

    def _recent(self, key: object) -> deque[float]:
        now = self.clock()
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        return sent

    def retry_after(self, key: object) -> int:
        """Whole seconds until the oldest send in the window expires; 0 means it may send now."""
        sent = self._recent(key)
        if len(sent) < self.limit:
            return 0
        return max(1, math.ceil(sent[0] + self.window - self.clock()))

    def spend(self, key: object) -> None:
        """Record one send for `key`."""
        self._recent(key).append(self.clock())
