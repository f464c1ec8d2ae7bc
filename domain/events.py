"""Domain events: what happened, as typed objects, and the one place that turns them into pushes.

A domain service says what happened (`LeadOffered`, `LeadClaimed`, …) by publishing an event in its
own transaction; it does not decide who hears of it. Each capability's ``notifications`` module
registers, per event type, the function that maps the event to recipients, urgency and a template
(an outbox kind and its payload) and writes the outbox rows. The rows are written in the same
transaction as the change, so a push exists exactly when its change was committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession


class Event:
    """Base of every domain event: a frozen dataclass naming what happened and to what."""


E = TypeVar("E", bound=Event)
Notifier = Callable[[AsyncSession, Any, dt.datetime], Awaitable[int]]

_NOTIFIERS: dict[type[Event], Notifier] = {}


def notifies(event_type: type[E]) -> Callable[[Callable[[AsyncSession, E, dt.datetime], Awaitable[int]]], Notifier]:
    """Register the function that says who hears of an event of this type; one per type."""

    def register(function: Callable[[AsyncSession, E, dt.datetime], Awaitable[int]]) -> Notifier:
        if event_type in _NOTIFIERS:
            raise ValueError(f"{event_type.__name__} already has a notifier")
        _NOTIFIERS[event_type] = function
        return function

    return register


async def publish(session: AsyncSession, event: Event, now: dt.datetime) -> int:
    """Record that this happened: its pushes join the caller's transaction. Returns rows queued.

    An event without a notifier is a programming error, not a message silently lost.
    """
    notifier = _NOTIFIERS.get(type(event))
    if notifier is None:
        raise LookupError(f"no notifier for {type(event).__name__}; import its capability's notifications")
    return await notifier(session, event, now)
