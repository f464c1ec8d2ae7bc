"""What handlers may use: a unit-of-work factory, the calendar, program defaults, a clock, and the
services capabilities offer each other, found by their type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from domain.calendar import BusinessCalendar
from domain.db import UowFactory

T = TypeVar("T")


class Services:
    """Services by type (``deps.services[KnowledgeBase]``): no string keys, and mypy knows the result.

    A capability provides its services when the app is built (``Capability.services``); the core
    provides the dispatcher and ``ImmediateDelivery``.  Asking for one nobody provided is a KeyError
    at the first use, naming the type.
    """

    def __init__(self) -> None:
        self._by_type: dict[type[Any], object] = {}

    def provide(self, service: object, as_type: type[Any] | None = None) -> None:
        self._by_type[as_type or type(service)] = service

    def __getitem__(self, kind: type[T]) -> T:
        found = self._by_type.get(kind)
        if found is None:
            raise KeyError(f"no {kind.__name__} service: is its capability installed?")
        assert isinstance(found, kind)
        return found

    def get(self, kind: type[T]) -> T | None:
        found = self._by_type.get(kind)
        return found if isinstance(found, kind) else None


@dataclass(frozen=True)
class ImmediateDelivery:
    """Hands a person their queued answers at once (the winner's card), on the platform they used.

    The rows were committed with the change; this only spares them the wait for the sender's next round.
    """

    deliver: Callable[[int, str], Awaitable[None]]

    async def __call__(self, person_id: int, platform: str) -> None:
        await self.deliver(person_id, platform)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Deps:
    uow: UowFactory
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    default_language: str = "en"
    default_quiet_hours: str = "20:00-08:00"
    clock: Callable[[], dt.datetime] = _utcnow
    services: Services = field(default_factory=Services)

    def now(self) -> dt.datetime:
        return self.clock()
