"""What the sender needs from a surface: send, edit, and the limits of the platform.

Each adapter implements `Transport` and turns its platform's failures into the errors below, so the
sender decides about retries without knowing any platform.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from handlers.model import Message


class DeliveryError(Exception):
    pass


class RetryAfter(DeliveryError):
    """The platform said 429: wait exactly this long (its `retry_after` / `Retry-After`)."""

    def __init__(self, seconds: float, scope: str = "chat") -> None:
        super().__init__(f"rate limited, retry after {seconds}s")
        self.seconds = seconds
        self.scope = scope


class TransientError(DeliveryError):
    """A 5xx or a timeout: try again with backoff."""


class PermanentError(DeliveryError):
    """The platform refused for good (blocked by the user, chat not found): park it as failed."""


class MessageGone(PermanentError):
    """The message to edit no longer exists; a new one may be sent instead."""


class Transport(Protocol):
    platform: str

    async def send(self, chat_id: str, message: Message) -> str:
        """Deliver a new message and return the platform's reference to it."""

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Replace an earlier message; "not modified" counts as success."""

    def limits(self, chat_id: str) -> list[tuple[str, float]]:
        """The pacing keys this chat falls under, each with its minimum interval."""


@runtime_checkable
class Traceable(Protocol):
    """A transport that can find its own message again: the sender's way to resolve an interrupted send.

    Slack can (a key in the message metadata, read back from the history); Telegram cannot (no
    idempotency key, no history for bots), so the sender marks a repeat there instead.
    """

    async def send_traced(self, chat_id: str, message: Message, trace: str | None) -> str:
        """`send`, with `trace` stored on the message where `find_traced` can see it."""

    async def find_traced(self, chat_id: str, trace: str, since: dt.datetime) -> str | None:
        """The reference of the message sent with `trace` since `since`, or None if none arrived."""
