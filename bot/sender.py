"""The outbox sender: claims due pushes, renders them for each recipient and delivers them paced.

Rows of one recipient are delivered one after another, in order; different recipients in parallel,
each waiting for its slot in the `Pacer`. Every outcome is written back at once.

Crash safety. Before a new message goes to a platform the row moves to `sending` (committed), and the
platform's reference is stored in the same transaction that marks it `sent`. A row found in `sending`
was interrupted somewhere in the platform call, and is resolved without a second visible message where
the platform allows it:
- an edit (a message reference is stored) is simply done again: edits are idempotent;
- on a platform that can find its own messages again (Slack: each post carries the row's key in its
  message metadata, and conversations.history finds it), a message that arrived is recorded, not sent
  again; one that did not arrive is sent;
- on a platform that cannot tell (Telegram has neither an idempotency key nor a history to read), the
  message is sent again with a line saying it is a repeat, so at worst a person sees one marked copy.
The leases of a dead sender (same host, its process gone) end when another sender starts, so a restart
goes on at once instead of waiting out `outbox.LEASE`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import select

from bot import metrics
from bot.outcomes import Outcomes
from bot.pacing import Pacer, SharedPacer
from bot.transport import MessageGone, PermanentError, RetryAfter, Traceable, TransientError, Transport
from bot.workers import worker_id, worker_is_dead
from domain import outbox
from domain.calendar import BusinessCalendar, parse_quiet_hours
from domain.db import UowFactory
from domain.i18n import _, use_language
from domain.models import MessageRef, OutboxMessage, Person
from domain.people import PersonView, by_ids, view_of
from handlers.dispatch import Dispatcher
from handlers.model import Message

logger = logging.getLogger(__name__)
UNREACHABLE_FOR = dt.timedelta(days=7)
NO_TRANSPORT_RECHECK = dt.timedelta(minutes=5)
RECOVER_EVERY = 30.0  # seconds between looks for leases held by dead senders
AFTER_ANSWER: ContextVar[list[Sender] | None] = ContextVar("partnerbot_after_answer", default=None)
"""Set by a surface that answers the person first: an `at_once` sender drained meanwhile waits in it,
and the surface drains it right after the answer is out (the rows are committed either way)."""


@dataclass(frozen=True)
class Target:
    platform: str
    chat_id: str


@dataclass
class Found:
    """What delivering a row needs from the database: who, where, and the messages it edits or answers."""

    person: PersonView | None
    target: Target | None
    shown: str | None = None
    root: str | None = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _first_of(*events: asyncio.Event, within: float) -> None:
    """Wait until any of `events` is set, or `within` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Sender:
    def __init__(
        self,
        uow: UowFactory,
        dispatcher: Dispatcher,
        transports: dict[str, Transport],
        *,
        calendar: BusinessCalendar,
        default_language: str = "en",
        default_quiet_hours: str = "20:00-08:00",
        clock: Callable[[], dt.datetime] = _utcnow,
        pacer: Pacer | SharedPacer | None = None,
        concurrency: int = 64,
        person_id: int | None = None,
        at_once: bool = False,
    ) -> None:
        self.uow = uow
        self.dispatcher = dispatcher
        self.transports = transports
        self.calendar = calendar
        self.default_language = default_language
        self.default_quiet = default_quiet_hours
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.worker = worker_id(self)
        self.outcomes = Outcomes(uow, clock, self.worker)
        self._recovered_at: float | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self.person_id = person_id
        self.at_once = at_once
        """Handing a person what their own action just queued (the winner's card), while they wait for the
        answer: one round (the rows were committed before), and no recovery of dead senders' leases first
        (the running sender's housekeeping), each a write transaction more on the way of the answer."""

    async def recover(self) -> int:
        """End the leases of senders that died (start-up, then now and then); returns rows freed."""
        self._recovered_at = time.monotonic()
        async with self.uow() as uow:
            dead = [w for w in await outbox.lease_holders(uow.session, self.clock()) if worker_is_dead(w)]
            freed = await outbox.free_leases(uow.session, dead)
            await uow.commit()
        if freed:
            logger.warning("took over %s outbox rows leased by dead senders %s", freed, ", ".join(dead))
        return freed

    async def run_once(self, limit: int = 500) -> int:
        """Deliver one batch of due rows; returns how many rows were handled."""
        if not self.at_once and (self._recovered_at is None or time.monotonic() - self._recovered_at > RECOVER_EVERY):
            await self.recover()  # the running sender's housekeeping, not in the way of an answer
        now = self.clock()
        async with self.uow() as uow:
            rows = await outbox.claim_due(
                uow.session,
                worker=self.worker,
                now=now,
                limit=limit,
                platforms=list(self.transports),
                person_id=self.person_id,
            )
            await uow.commit()
        if not rows:
            return 0
        by_target: dict[tuple[object, ...], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_target[(row.person_id,) if row.person_id and not row.chat_id else (row.platform, row.chat_id)].append(
                row
            )
        groups = list(by_target.values())
        found = await self._look_up([group[0] for group in groups])
        await asyncio.gather(*(self._deliver_in_order(group, found) for group in groups))
        return len(rows)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due now (sweep and tests); returns rows handled."""
        later = AFTER_ANSWER.get() if self.at_once else None
        if later is not None:
            later.append(self)
            return 0
        total = 0
        for _round in range(max_rounds):
            handled = await self.run_once()
            total += handled
            if handled == 0 or self.at_once:
                break
        return total

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Deliver until `stop`; idle, wake at once when this process queued a push, else every `idle` s."""
        queued = asyncio.Event()
        self.uow.outbox_listeners.append(queued.set)
        try:
            while not stop.is_set():
                queued.clear()
                try:
                    handled = await self.run_once()
                except Exception:
                    logger.exception("sender round failed")
                    handled = 0
                if handled == 0:
                    await _first_of(stop, queued, within=idle)
        finally:
            self.uow.outbox_listeners.remove(queued.set)

    async def _deliver_in_order(self, rows: list[OutboxMessage], found: dict[int, Found]) -> None:
        async with self._slots:
            for row in rows:
                try:
                    delivered = await self._deliver(row, found.get(row.id))
                except Exception:
                    logger.exception("delivery of outbox row %s crashed", row.id)
                    async with self.uow() as uow:
                        await outbox.postpone(
                            uow.session,
                            row.id,
                            self.clock() + outbox.backoff(row.attempts + 1),
                            error="internal error",
                            count=True,
                        )
                        await uow.commit()
                    delivered = False
                if not delivered:
                    # Keep the order: later rows of this recipient wait for the next round.
                    later = [r.id for r in rows if r.id > row.id]
                    if later:
                        async with self.uow() as uow:
                            await outbox.release(uow.session, later)
                            await uow.commit()
                    return

    def _target(self, row: OutboxMessage, person: Person | None) -> Target | None:
        if row.platform and row.chat_id:
            return Target(row.platform, row.chat_id)
        if person is None:
            return None
        identities = person.linked_identities
        preferred = [i for i in identities if i.platform == person.preferred_platform]
        for ident in preferred + identities:
            if ident.platform in self.transports:
                return Target(ident.platform, ident.chat_id or "")
        if identities:
            return Target(identities[0].platform, "")
        return None

    async def _look_up(self, rows: list[OutboxMessage]) -> dict[int, Found]:
        """Recipient, chat, the message each row edits and the one it answers in a thread, for many rows
        in one read of two statements: a batch looks up the first row of every recipient at once (a wave
        of edits would otherwise start with dozens of reads, in the way of everything else), and a
        recipient's later rows look again in their turn (the earlier one may have just been shown)."""
        found: dict[int, Found] = {}
        refs: dict[tuple[object, str, str], str] = {}
        async with self.uow.reader() as uow:
            people = await by_ids(uow.session, {r.person_id for r in rows if r.person_id})
            for row in rows:
                person = people.get(row.person_id) if row.person_id else None
                found[row.id] = Found(view_of(person) if person else None, self._target(row, person))
            keys, chats = set(), set()
            for row in rows:
                target = found[row.id].target
                if target is not None and target.chat_id and target.platform in self.transports:
                    chats.add(target.chat_id)
                    keys |= {k for k in (row.ref_key, row.payload.get(outbox.IN_THREAD_OF)) if isinstance(k, str)}
            if keys:
                refs_query = select(MessageRef).where(MessageRef.ref_key.in_(keys), MessageRef.chat_id.in_(chats))
                for ref in await uow.session.scalars(refs_query):
                    refs[(ref.ref_key, ref.platform, ref.chat_id)] = ref.message_id
        for row in rows:
            f = found[row.id]
            if f.target is not None and f.target.chat_id and f.target.platform in self.transports:
                where = (f.target.platform, f.target.chat_id)
                f.shown = refs.get((row.ref_key, *where))
                f.root = refs.get((row.payload.get(outbox.IN_THREAD_OF), *where)) if f.shown is None else None
        return found

    async def _deliver(self, row: OutboxMessage, found: Found | None = None) -> bool:
        """One row: to whom and when, in which words, then the platform call. True when it is done."""
        now = self.clock()
        found = found or (await self._look_up([row]))[row.id]
        person, target = found.person, found.target
        if target is None or not target.chat_id or target.platform not in self.transports:
            return await self._unreachable(row, target, now)
        held_until = self._held_until(row, person, now)
        if held_until is not None:
            return await self.outcomes.postponed(row, held_until, None, count=False)
        language = (person.language if person else None) or self.default_language
        with use_language(language):
            try:
                message = self.dispatcher.render(row.kind, row.payload, person)
            except Exception:
                logger.exception("rendering push %s (%s) failed", row.id, row.kind)
                return await self.outcomes.failed(row, f"cannot render kind {row.kind}")
        if found.shown is None and row.edit_only:
            return await self.outcomes.skipped(row, "nothing shown to edit")
        if found.shown is None and isinstance(row.payload.get(outbox.IN_THREAD_OF), str):
            message.in_reply_to = found.root
        return await self._send(row, target, message, found.shown, language, now)

    async def _unreachable(self, row: OutboxMessage, target: Target | None, now: dt.datetime) -> bool:
        """No chat for the recipient on a platform served here: skip an edit, else wait, then give up."""
        if row.edit_only:
            return await self.outcomes.skipped(row, "recipient unreachable")
        if target is None and now - row.created_at > UNREACHABLE_FOR:
            return await self.outcomes.failed(row, "recipient has no linked chat")
        return await self.outcomes.postponed(
            row, now + NO_TRANSPORT_RECHECK, "no chat for this recipient here yet", count=False
        )

    def _held_until(self, row: OutboxMessage, person: PersonView | None, now: dt.datetime) -> dt.datetime | None:
        """When quiet hours, the weekend or a holiday of the recipient hold the row back, until when.

        An answer to the recipient's own press is never held; an urgent row passes quiet hours only for
        people who asked for urgent messages in quiet hours."""
        if person is None or row.answer:
            return None
        quiet_text = person.quiet_hours or self.default_quiet
        quiet = None if (row.urgent and person.urgent_in_quiet_hours) else parse_quiet_hours(quiet_text)
        allowed = self.calendar.next_delivery_time(
            now, quiet=quiet, tz_name=person.timezone, business_days_only=row.respect_business_days
        )
        return allowed if allowed > now + dt.timedelta(seconds=1) else None

    async def _send(
        self, row: OutboxMessage, target: Target, message: Message, shown: str | None, language: str, now: dt.datetime
    ) -> bool:
        """The platform call: edit what was shown, else send (resolving an interrupted send first)."""
        transport = self.transports[target.platform]
        traced = transport if isinstance(transport, Traceable) else None
        in_doubt = row.status == "sending"  # interrupted earlier: the platform may have it already
        sending = False
        try:
            if shown is None and in_doubt and traced is not None:
                # Interrupted mid-send: did the platform get it? Record it rather than send it twice.
                found = await traced.find_traced(target.chat_id, row.idempotency_key, row.sending_at or row.created_at)
                if found is not None:
                    logger.info("outbox row %s had arrived before an interruption; recorded", row.id)
                    return await self.outcomes.sent(row, target.platform, target.chat_id, str(found))
                in_doubt = False
            await self.pacer.wait(transport.limits(target.chat_id))
            if shown is not None:
                try:
                    await transport.edit(target.chat_id, shown, message)
                    metrics.DELIVERIES.labels(target.platform, "edited").inc()
                    return await self.outcomes.sent(row, target.platform, target.chat_id)
                except MessageGone:
                    if row.edit_only:
                        return await self.outcomes.skipped(row, "message to edit is gone")
            if in_doubt and shown is None and traced is None:
                # This platform cannot tell whether the interrupted send arrived: say it is a repeat.
                with use_language(language):
                    repeat = _("Sent again after an interruption: if you have this message twice, both are the same.")
                message.footer = f"{message.footer}\n{repeat}" if message.footer else repeat
            if not await self.outcomes.sending(row):
                return False
            sending = True
            if traced is not None:
                message_id = await traced.send_traced(target.chat_id, message, row.idempotency_key)
            else:
                message_id = await transport.send(target.chat_id, message)
        except RetryAfter as exc:
            metrics.RATE_LIMITED.labels(target.platform).inc()
            for key, _interval in transport.limits(target.chat_id):
                if exc.scope == "bot" or key.endswith(target.chat_id):
                    await self.pacer.back_off(key, exc.seconds)
            until = now + dt.timedelta(seconds=exc.seconds)
            return await self.outcomes.postponed(row, until, str(exc), count=False, in_doubt=in_doubt)
        except TransientError as exc:
            metrics.DELIVERIES.labels(target.platform, "retry").inc()
            # A timeout during a traced send may have reached Slack: look it up before sending again.
            in_doubt = in_doubt or (sending and traced is not None)
            until = now + outbox.backoff(row.attempts + 1)
            return await self.outcomes.postponed(row, until, str(exc), count=True, in_doubt=in_doubt)
        except PermanentError as exc:
            metrics.DELIVERIES.labels(target.platform, "failed").inc()
            return await self.outcomes.failed(row, str(exc))
        metrics.DELIVERIES.labels(target.platform, "sent").inc()
        return await self.outcomes.sent(row, target.platform, target.chat_id, message_id)
