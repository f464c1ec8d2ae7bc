"""Token buckets for the fakes' optional rate limits, with an injectable clock.

An injectable clock lets a test step time forward instead of sleeping, keeping the suite fast.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


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
