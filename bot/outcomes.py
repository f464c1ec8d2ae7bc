"""What became of one outbox row, each written back in its own short transaction.

The sender decides; these record: sent (with the platform's message reference, so a later push
edits it), skipped, postponed (counting an attempt or not), failed, and the `sending` intent that is
committed before the platform call (see bot/sender.py, "Crash safety").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot import message_refs
from domain import outbox
from domain.db import UowFactory
from domain.models import OutboxMessage

logger = logging.getLogger("bot.sender")


class Outcomes:
    def __init__(self, uow: UowFactory, clock: Callable[[], dt.datetime], worker: str) -> None:
        self.uow = uow
        self.clock = clock
        self.worker = worker

    async def sending(self, row: OutboxMessage) -> bool:
        """Record the intent to send before the platform call; False if another sender took the row."""
        async with self.uow() as uow:
            mine = await outbox.begin_sending(uow.session, row.id, self.worker, self.clock())
            await uow.commit()
        if not mine:
            logger.warning("outbox row %s was taken over by another sender; not sending it", row.id)
        return mine

    async def sent(self, row: OutboxMessage, platform: str, chat_id: str, message_id: str | None = None) -> bool:
        """`sent`, and the platform's reference of a new message, in one transaction."""
        async with self.uow() as uow:
            if row.ref_key and message_id is not None:
                await message_refs.store_ref(
                    uow.session,
                    ref_key=row.ref_key,
                    platform=platform,
                    chat_id=chat_id,
                    message_id=message_id,
                    person_id=row.person_id,
                )
            await outbox.mark_sent(uow.session, row.id, self.clock(), platform)
            await uow.commit()
        return True

    async def skipped(self, row: OutboxMessage, reason: str) -> bool:
        async with self.uow() as uow:
            await outbox.mark_skipped(uow.session, row.id, self.clock(), reason)
            await uow.commit()
        return True

    async def postponed(
        self, row: OutboxMessage, until: dt.datetime, error: str | None, *, count: bool, in_doubt: bool | None = None
    ) -> bool:
        """Try later; a row `in_doubt` (an interrupted send not yet resolved) stays in `sending`."""
        async with self.uow() as uow:
            status = await outbox.postpone(uow.session, row.id, until, error=error, count=count, in_doubt=in_doubt)
            await uow.commit()
        if status == "failed":
            logger.warning("outbox row %s parked as failed after retries: %s", row.id, error)
        return False

    async def failed(self, row: OutboxMessage, error: str) -> bool:
        logger.warning("outbox row %s failed: %s", row.id, error)
        async with self.uow() as uow:
            await outbox.fail(uow.session, row.id, error)
            await uow.commit()
        return True
