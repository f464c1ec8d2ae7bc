"""What handlers may use: a unit-of-work factory, the calendar, program defaults and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.calendar import BusinessCalendar
from domain.db import UowFactory


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Deps:
    uow: UowFactory
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    default_language: str = "en"
    default_quiet_hours: str = "20:00-08:00"
    telegram_bot_username: str | None = None
    clock: Callable[[], dt.datetime] = _utcnow
    services: dict[str, Any] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock()
