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
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot import message_refs, metrics
from bot.pacing import Pacer
from bot.transport import MessageGone, PermanentError, RetryAfter, Traceable, TransientError, Transport
from domain import outbox
from domain.calendar import BusinessCalendar, parse_quiet_hours
from domain.db import UowFactory
from domain.i18n import _, use_language
from domain.models import OutboxMessage
from domain.people import PersonView, by_id, view_of
from handlers.dispatch import Dispatcher

logger = logging.getLogger(__name__)
UNREACHABLE_FOR = dt.timedelta(days=7)
NO_TRANSPORT_RECHECK = dt.timedelta(minutes=5)
RECOVER_EVERY = 30.0  # seconds between looks for leases held by dead senders
HOST = socket.gethostname()[:30]
PROCESS = uuid.uuid4().hex[:8]  # tells this process from an earlier one that had the same pid


def worker_id(instance: object) -> str:
    """`host:pid:process:instance`: enough for another sender on this host to tell if it is gone."""
    return f"{HOST}:{os.getpid()}:{PROCESS}:{id(instance):x}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie is dead, only unreaped
    except (OSError, IndexError):
        return True


def worker_is_dead(worker: str) -> bool:
    """True only when certain: a worker of this host whose process is gone (or was an earlier life of
    this pid). Workers of other hosts are left to their lease."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != HOST or not parts[1].isdigit():
        return False
    pid, process = int(parts[1]), parts[2]
    if process == PROCESS:
        return False  # another sender of this very process
    if pid == os.getpid():
        return True  # this pid, but an earlier process (a restarted container reuses its pid)
    return not _pid_alive(pid)


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
        self.worker = worker_id(self)
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
        if person is not None and not row.answer:
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
            async with self.uow.reader() as uow:
                ref = await message_refs.find_ref(uow.session, row.ref_key, target.platform, target.chat_id)
        if ref is None and row.edit_only:
            return await self._skip(row, "nothing shown to edit")
        traced = transport if isinstance(transport, Traceable) else None
        in_doubt = row.status == "sending"  # interrupted earlier: the platform may have it already
        sending = False
        try:
            if ref is None and in_doubt and traced is not None:
                # Interrupted mid-send: did the platform get it? Record it rather than send it twice.
                since = row.sending_at or row.created_at
                found = await traced.find_traced(target.chat_id, row.idempotency_key, since)
                if found is not None:
                    logger.info("outbox row %s had arrived before an interruption; recorded", row.id)
                    return await self._record(row, target, str(found))
                in_doubt = False
            await self.pacer.wait(transport.limits(target.chat_id))
            if ref is not None:
                try:
                    await transport.edit(target.chat_id, ref.message_id, message)
                    metrics.DELIVERIES.labels(target.platform, "edited").inc()
                    return await self._sent(row)
                except MessageGone:
                    if row.edit_only:
                        return await self._skip(row, "message to edit is gone")
            if in_doubt and ref is None and traced is None:
                # This platform cannot tell whether the interrupted send arrived: say it is a repeat.
                with use_language((person.language if person else None) or self.default_language):
                    repeat = _("Sent again after an interruption: if you have this message twice, both are the same.")
                message.footer = f"{message.footer}\n{repeat}" if message.footer else repeat
            async with self.uow() as uow:
                mine = await outbox.begin_sending(uow.session, row.id, self.worker, self.clock())
                await uow.commit()
            if not mine:
                logger.warning("outbox row %s was taken over by another sender; not sending it", row.id)
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
                    self.pacer.back_off(key, exc.seconds)
            return await self._postpone(
                row, now + dt.timedelta(seconds=exc.seconds), str(exc), count=False, in_doubt=in_doubt
            )
        except TransientError as exc:
            metrics.DELIVERIES.labels(target.platform, "retry").inc()
            # A timeout during a traced send may have reached Slack: look it up before sending again.
            in_doubt = in_doubt or (sending and traced is not None)
            return await self._postpone(
                row, now + outbox.backoff(row.attempts + 1), str(exc), count=True, in_doubt=in_doubt
            )
        except PermanentError as exc:
            metrics.DELIVERIES.labels(target.platform, "failed").inc()
            return await self._fail(row, str(exc))
        metrics.DELIVERIES.labels(target.platform, "sent").inc()
        return await self._record(row, target, message_id)

    async def _record(self, row: OutboxMessage, target: Target, message_id: str) -> bool:
        """The platform's reference and `sent`, in one transaction."""
        async with self.uow() as uow:
            if row.ref_key:
                await message_refs.store_ref(
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

    async def _postpone(
        self, row: OutboxMessage, until: dt.datetime, error: str | None, *, count: bool, in_doubt: bool | None = None
    ) -> bool:
        """Try later; a row `in_doubt` (an interrupted send not yet resolved) stays in `sending`."""
        async with self.uow() as uow:
            status = await outbox.postpone(uow.session, row.id, until, error=error, count=count, in_doubt=in_doubt)
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
