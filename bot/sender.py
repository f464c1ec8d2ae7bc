"""The outbox sender: claims due pushes, renders them for each recipient and delivers them paced.

Rows of one recipient are delivered one after another, in order; different recipients in parallel,
each waiting for its slot in the `Pacer`. Every outcome is written back at once, so a crash repeats at
most the one message that was in flight, and the stored message reference turns a repeat into an edit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot import metrics
from bot.pacing import Pacer
from bot.transport import MessageGone, PermanentError, RetryAfter, TransientError, Transport
from domain import outbox
from domain.calendar import BusinessCalendar, parse_quiet_hours
from domain.db import UowFactory
from domain.i18n import use_language
from domain.models import ChatIdentity, OutboxMessage
from domain.people import PersonView, by_id, view_of
from handlers.dispatch import Dispatcher

logger = logging.getLogger(__name__)
UNREACHABLE_FOR = dt.timedelta(days=7)
NO_TRANSPORT_RECHECK = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Target:
    platform: str
    chat_id: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        pacer: Pacer | None = None,
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
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._slots = asyncio.Semaphore(concurrency)
        self.person_id = person_id

    async def run_once(self, limit: int = 500) -> int:
        """Deliver one batch of due rows; returns how many rows were handled."""
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
        for _ in range(max_rounds):
            handled = await self.run_once()
            if handled == 0:
                break
            total += handled
        return total

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                logger.exception("sender round failed")
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=idle)
                except TimeoutError:
                    pass

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
        async with self.uow() as uow:
            person = await by_id(uow.session, row.person_id) if row.person_id else None
            view = view_of(person) if person else None
            if row.platform and row.chat_id:
                return view, Target(row.platform, row.chat_id)
            if person is None:
                return None, None
            identities: list[ChatIdentity] = sorted(person.identities, key=lambda i: i.linked_at, reverse=True)
            preferred = [i for i in identities if i.platform == person.preferred_platform]
            for ident in preferred + identities:
                if ident.platform in self.transports:
                    return view, Target(ident.platform, ident.chat_id)
            if identities:
                return view, Target(identities[0].platform, "")
            return view, None

    async def _deliver(self, row: OutboxMessage) -> bool:
        now = self.clock()
        person, target = await self._resolve(row)
        if target is None or not target.chat_id or target.platform not in self.transports:
            if row.edit_only:
                return await self._skip(row, "recipient unreachable")
            if target is None and now - row.created_at > UNREACHABLE_FOR:
                return await self._fail(row, "recipient has no linked chat")
            return await self._postpone(
                row, now + NO_TRANSPORT_RECHECK, "no chat for this recipient here yet", count=False
            )
        if person is not None:
            quiet_text = person.quiet_hours or self.default_quiet
            quiet = None if (row.urgent and person.urgent_in_quiet_hours) else parse_quiet_hours(quiet_text)
            allowed = self.calendar.next_delivery_time(
                now, quiet=quiet, tz_name=person.timezone, business_days_only=row.respect_business_days
            )
            if allowed > now + dt.timedelta(seconds=1):
                return await self._postpone(row, allowed, None, count=False)
        transport = self.transports[target.platform]
        with use_language((person.language if person else None) or self.default_language):
            try:
                message = self.dispatcher.render(row.kind, row.payload, person)
            except Exception:
                logger.exception("rendering push %s (%s) failed", row.id, row.kind)
                return await self._fail(row, f"cannot render kind {row.kind}")
        ref = None
        if row.ref_key:
            async with self.uow() as uow:
                ref = await outbox.find_ref(uow.session, row.ref_key, target.platform, target.chat_id)
        if ref is None and row.edit_only:
            return await self._skip(row, "nothing shown to edit")
        try:
            await self.pacer.wait(transport.limits(target.chat_id))
            if ref is not None:
                try:
                    await transport.edit(target.chat_id, ref.message_id, message)
                    metrics.DELIVERIES.labels(target.platform, "edited").inc()
                    return await self._sent(row)
                except MessageGone:
                    if row.edit_only:
                        return await self._skip(row, "message to edit is gone")
            message_id = await transport.send(target.chat_id, message)
        except RetryAfter as exc:
            metrics.RATE_LIMITED.labels(target.platform).inc()
            for key, _ in transport.limits(target.chat_id):
                if exc.scope == "bot" or key.endswith(target.chat_id):
                    self.pacer.back_off(key, exc.seconds)
            return await self._postpone(row, now + dt.timedelta(seconds=exc.seconds), str(exc), count=False)
        except TransientError as exc:
            metrics.DELIVERIES.labels(target.platform, "retry").inc()
            return await self._postpone(row, now + outbox.backoff(row.attempts + 1), str(exc), count=True)
        except PermanentError as exc:
            metrics.DELIVERIES.labels(target.platform, "failed").inc()
            return await self._fail(row, str(exc))
        metrics.DELIVERIES.labels(target.platform, "sent").inc()
        async with self.uow() as uow:
            if row.ref_key:
                await outbox.store_ref(
                    uow.session,
                    ref_key=row.ref_key,
                    platform=target.platform,
                    chat_id=target.chat_id,
                    message_id=message_id,
                    person_id=row.person_id,
                )
            await outbox.mark_sent(uow.session, row.id, self.clock())
            await uow.commit()
        return True

    async def _sent(self, row: OutboxMessage) -> bool:
        async with self.uow() as uow:
            await outbox.mark_sent(uow.session, row.id, self.clock())
            await uow.commit()
        return True

    async def _skip(self, row: OutboxMessage, reason: str) -> bool:
        async with self.uow() as uow:
            await outbox.mark_skipped(uow.session, row.id, self.clock(), reason)
            await uow.commit()
        return True

    async def _postpone(self, row: OutboxMessage, until: dt.datetime, error: str | None, *, count: bool) -> bool:
        async with self.uow() as uow:
            status = await outbox.postpone(uow.session, row.id, until, error=error, count=count)
            await uow.commit()
        if status == "failed":
            logger.warning("outbox row %s parked as failed after retries: %s", row.id, error)
        return False

    async def _fail(self, row: OutboxMessage, error: str) -> bool:
        logger.warning("outbox row %s failed: %s", row.id, error)
        async with self.uow() as uow:
            await outbox.fail(uow.session, row.id, error)
            await uow.commit()
        return True
