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
from dataclasses import dataclass

from bot import message_refs, metrics
from bot.outcomes import Outcomes
from bot.pacing import Pacer, SharedPacer
from bot.transport import MessageGone, PermanentError, RetryAfter, Traceable, TransientError, Transport
from bot.workers import worker_id, worker_is_dead
from domain import outbox
from domain.calendar import BusinessCalendar, parse_quiet_hours
from domain.db import UowFactory
from domain.i18n import _, use_language
from domain.models import OutboxMessage
from domain.people import PersonView, by_id, view_of
from handlers.dispatch import Dispatcher
from handlers.model import Message

logger = logging.getLogger(__name__)
UNREACHABLE_FOR = dt.timedelta(days=7)
NO_TRANSPORT_RECHECK = dt.timedelta(minutes=5)
RECOVER_EVERY = 30.0  # seconds between looks for leases held by dead senders


@dataclass(frozen=True)
class Target:
    platform: str
    chat_id: str


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
        if self._recovered_at is None or time.monotonic() - self._recovered_at > RECOVER_EVERY:
            await self.recover()
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
        await asyncio.gather(*(self._deliver_in_order(group) for group in by_target.values()))
        return len(rows)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due now (sweep and tests); returns rows handled."""
        total = 0
        for _round in range(max_rounds):
            handled = await self.run_once()
            if handled == 0:
                break
            total += handled
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

    async def _deliver_in_order(self, rows: list[OutboxMessage]) -> None:
        async with self._slots:
            for row in rows:
                try:
                    delivered = await self._deliver(row)
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

    async def _resolve(self, row: OutboxMessage) -> tuple[PersonView | None, Target | None]:
        async with self.uow.reader() as uow:
            person = await by_id(uow.session, row.person_id) if row.person_id else None
            view = view_of(person) if person else None
            if row.platform and row.chat_id:
                return view, Target(row.platform, row.chat_id)
            if person is None:
                return None, None
            identities = person.linked_identities
            preferred = [i for i in identities if i.platform == person.preferred_platform]
            for ident in preferred + identities:
                if ident.platform in self.transports:
                    return view, Target(ident.platform, ident.chat_id or "")
            if identities:
                return view, Target(identities[0].platform, "")
            return view, None

    async def _deliver(self, row: OutboxMessage) -> bool:
        """One row: to whom and when, in which words, then the platform call. True when it is done."""
        now = self.clock()
        person, target = await self._resolve(row)
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
        ref = None
        if row.ref_key:
            async with self.uow.reader() as uow:
                ref = await message_refs.find_ref(uow.session, row.ref_key, target.platform, target.chat_id)
        if ref is None and row.edit_only:
            return await self.outcomes.skipped(row, "nothing shown to edit")
        thread_of = row.payload.get(outbox.IN_THREAD_OF) if ref is None else None
        if isinstance(thread_of, str):
            async with self.uow.reader() as uow:
                root = await message_refs.find_ref(uow.session, thread_of, target.platform, target.chat_id)
            message.in_reply_to = root.message_id if root else None
        return await self._send(row, target, message, ref.message_id if ref else None, language, now)

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
