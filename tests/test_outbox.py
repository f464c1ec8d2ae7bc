"""The outbox and its sender: once, in order, edited in place, paced, retried and parked."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.transport import PermanentError, RetryAfter, TransientError
from domain import outbox, outbox_listing
from domain.models import OutboxMessage
from domain.people import by_email
from handlers.model import Message
from handlers.router import Router
from tests.chat import ChatFactory, RecordingTransport
from tests.conftest import make_app


def pushes_router() -> Router:
    router = Router("test-pushes")

    @router.notification("test.note")
    def note(payload: dict[str, Any], person: Any) -> Message:
        return Message(text=str(payload["text"]))

    return router


async def person_id(app: App, email: str) -> int:
    async with app.uow() as uow:
        person = await by_email(uow.session, email)
        assert person is not None
        return person.id


async def push(app: App, key: str, text: str, *, email: str = "ana@acme.example", **kw: Any) -> bool:
    pid = await person_id(app, email)
    async with app.uow() as uow:
        queued = await outbox.enqueue(
            uow.session, key=key, kind="test.note", payload={"text": text}, person_id=pid, now=app.deps.now(), **kw
        )
        await uow.commit()
    return queued


def install(chats: ChatFactory) -> None:
    chats.app.dispatcher.renderers.update(pushes_router().renderers)
    chats.clock.now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # 13:00 in Berlin: not quiet


async def test_same_idempotency_key_is_queued_once(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    assert await push(chats.app, "k1", "hello")
    assert not await push(chats.app, "k1", "hello again")
    assert await chats.deliver() == 1
    assert [m.message.text for m in chats.transport.messages] == ["hello"]
    assert await chats.deliver() == 0


async def test_later_push_with_same_ref_edits_the_message(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    await push(chats.app, "offer", "Lead L-1: claim it", ref_key="lead-offer:L-1")
    await chats.deliver()
    await push(chats.app, "claimed", "Lead L-1 was claimed", ref_key="lead-offer:L-1", edit_only=True)
    await chats.deliver()
    assert len(chats.transport.messages) == 1
    assert chats.transport.messages[0].current.text == "Lead L-1 was claimed"


async def test_edit_only_push_for_a_message_never_shown_is_skipped(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    await push(chats.app, "claimed", "claimed", ref_key="lead-offer:L-9", edit_only=True)
    await chats.deliver()
    assert chats.transport.messages == []


async def test_pushes_wait_for_the_end_of_quiet_hours_unless_urgent_and_allowed(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    chats.clock.now = dt.datetime(2026, 11, 25, 21, 0, tzinfo=dt.UTC)  # 22:00 Berlin
    await push(chats.app, "n1", "nightly")
    await push(chats.app, "u1", "urgent", urgent=True, email="ben@globex.example")
    await chats.linked("ben@globex.example")
    await chats.deliver()
    assert chats.transport.messages == []
    async with chats.app.uow() as uow:
        ben = await by_email(uow.session, "ben@globex.example")
        assert ben is not None
        ben.urgent_in_quiet_hours = True
        await uow.commit()
    await chats.deliver()
    assert [m.message.text for m in chats.transport.messages] == []  # postponed row waits for its time
    chats.clock.now = dt.datetime(2026, 11, 26, 8, 0, 1, tzinfo=dt.UTC)  # 09:00 Berlin, 08:00 London
    await chats.deliver()
    assert sorted(m.message.text for m in chats.transport.messages) == ["nightly", "urgent"]


async def test_urgent_push_goes_through_quiet_hours_when_the_person_allows_it(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ben@globex.example")
    chats.clock.now = dt.datetime(2026, 11, 25, 23, 0, tzinfo=dt.UTC)
    async with chats.app.uow() as uow:
        ben = await by_email(uow.session, "ben@globex.example")
        assert ben is not None
        ben.urgent_in_quiet_hours = True
        await uow.commit()
    await push(chats.app, "u1", "deal approved", urgent=True, email="ben@globex.example")
    await push(chats.app, "n1", "weekly digest", email="ben@globex.example")
    await chats.deliver()
    assert [m.message.text for m in chats.transport.messages] == ["deal approved"]


class Flaky(RecordingTransport):
    def __init__(self, failures: list[Exception]) -> None:
        super().__init__("console")
        self.failures = failures

    async def send(self, chat_id: str, message: Message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        return await super().send(chat_id, message)


async def test_transient_failures_retry_with_backoff_then_deliver(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    await push(chats.app, "r1", "eventually")
    flaky = Flaky([TransientError("502"), TransientError("timeout")])
    sender = chats.app.sender({"console": flaky})
    await sender.drain()
    assert flaky.messages == []
    chats.clock.advance(seconds=6)
    await sender.drain()
    assert flaky.messages == []
    chats.clock.advance(seconds=11)
    await sender.drain()
    assert [m.message.text for m in flaky.messages] == ["eventually"]


async def test_rate_limit_waits_the_time_it_is_told_without_counting_a_failure(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    await push(chats.app, "r1", "paced")
    flaky = Flaky([RetryAfter(30)])
    sender = chats.app.sender({"console": flaky})
    await sender.drain()
    chats.clock.advance(seconds=29)
    await sender.drain()
    assert flaky.messages == []
    chats.clock.advance(seconds=2)
    await sender.drain()
    assert [m.message.text for m in flaky.messages] == ["paced"]
    async with chats.app.uow() as uow:
        row = (await uow.session.scalars(select(OutboxMessage))).one()
        assert row.attempts == 0 and row.status == "sent"


async def test_what_keeps_failing_is_parked_visible_and_can_be_retried(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    await push(chats.app, "p1", "blocked")
    await push(chats.app, "p2", "after the blocked one")
    flaky = Flaky([PermanentError("bot was blocked by the user")])
    sender = chats.app.sender({"console": flaky})
    await sender.drain()
    assert [m.message.text for m in flaky.messages] == ["after the blocked one"]
    async with chats.app.uow() as uow:
        failed = await outbox_listing.list_entries(uow.session, failed_only=True)
        assert [(e.kind, e.last_error) for e in failed] == [("test.note", "bot was blocked by the user")]
        assert await outbox.retry(uow.session, failed[0].id, chats.clock())
        await uow.commit()
    await sender.drain()
    assert [m.message.text for m in flaky.messages] == ["after the blocked one", "blocked"]


async def test_each_recipient_gets_messages_in_order_even_after_a_retry(chats: ChatFactory) -> None:
    install(chats)
    await chats.linked("ana@acme.example")
    for n in range(5):
        await push(chats.app, f"o{n}", f"m{n}")
    flaky = Flaky([TransientError("502")])
    sender = chats.app.sender({"console": flaky})
    await sender.drain()
    chats.clock.advance(minutes=1)
    await sender.drain()
    assert [m.message.text for m in flaky.messages] == [f"m{n}" for n in range(5)]


async def test_a_person_without_a_chat_keeps_the_push_until_they_link(chats: ChatFactory) -> None:
    install(chats)
    await push(chats.app, "w1", "welcome aboard")
    await chats.deliver()
    assert chats.transport.messages == []
    await chats.linked("ana@acme.example")
    chats.clock.advance(minutes=6)
    await chats.deliver()
    assert [m.message.text for m in chats.transport.messages] == ["welcome aboard"]
    async with chats.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def four_recipients(chats: ChatFactory) -> list[str]:
    """Four linked people who are all awake at the test's clock (no quiet hours in the way)."""
    install(chats)
    emails = ["ana@acme.example", "ben@globex.example", "carla.cam@vendor.example", "sam.support@vendor.example"]
    for email in emails:
        await chats.linked(email)
    return emails


class SlowTransport(RecordingTransport):
    """Yields on every send, so concurrent senders really interleave."""

    async def send(self, chat_id: str, message: Message) -> str:
        await asyncio.sleep(0.001)
        return await super().send(chat_id, message)


async def test_several_senders_on_one_database_deliver_each_push_once_in_order(
    chats: ChatFactory, database_url: str
) -> None:
    emails = await four_recipients(chats)
    for n in range(40):
        await push(chats.app, f"m{n}", f"{n}", email=emails[n % 4])
    other = make_app(database_url, chats.clock)
    other.dispatcher.renderers.update(pushes_router().renderers)
    shared = SlowTransport("console")
    try:
        senders = [chats.app.sender({"console": shared}), other.sender({"console": shared})]
        await asyncio.gather(*(s.drain() for s in senders))
    finally:
        await other.close()
    delivered = [m.message.text for m in shared.messages]
    assert sorted(delivered, key=int) == [str(n) for n in range(40)]
    for email in emails:
        mine = [int(m.message.text) for m in shared.to(email)]
        assert mine == sorted(mine)


class Stalling(RecordingTransport):
    """Delivers `allow` messages, then hangs like a process about to be killed."""

    def __init__(self, allow: int) -> None:
        super().__init__("console")
        self.allow = allow
        self.stalled = asyncio.Event()

    async def send(self, chat_id: str, message: Message) -> str:
        if len(self.messages) >= self.allow:
            self.stalled.set()
            await asyncio.Event().wait()
        return await super().send(chat_id, message)


async def test_a_sender_killed_mid_wave_loses_nothing_and_repeats_nothing(
    chats: ChatFactory, database_url: str
) -> None:
    emails = await four_recipients(chats)
    for n in range(20):
        await push(chats.app, f"wave{n}", f"{n}", email=emails[n % 4])
    first = Stalling(allow=7)
    task = asyncio.create_task(chats.app.sender({"console": first}, concurrency=1).drain())
    await asyncio.wait_for(first.stalled.wait(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    chats.clock.advance(minutes=3)  # the dead sender's lease runs out
    restarted = make_app(database_url, chats.clock)
    restarted.dispatcher.renderers.update(pushes_router().renderers)
    second = RecordingTransport("console")
    try:
        await restarted.sender({"console": second}).drain()
    finally:
        await restarted.close()
    texts = [m.message.text for m in first.messages + second.messages]
    assert sorted(texts, key=int) == [str(n) for n in range(20)]
