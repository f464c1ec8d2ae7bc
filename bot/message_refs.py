"""Where a message was shown on a platform (its message id per chat), so a later push edits it.

Platform knowledge: only the sender reads and writes it; the domain names messages by `ref_key` alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import UowFactory, read_only
from domain.models import MessageRef
from domain.outbox import dialect_insert
from domain.people import PersonView, by_identities
from domain.updates import record


async def find_ref(session: AsyncSession, ref_key: str, platform: str, chat_id: str) -> MessageRef | None:
    query = select(MessageRef).where(
        MessageRef.ref_key == ref_key, MessageRef.platform == platform, MessageRef.chat_id == chat_id
    )
    return (await session.scalars(query)).first()


async def store_ref(
    session: AsyncSession, *, ref_key: str, platform: str, chat_id: str, message_id: str, person_id: int | None
) -> None:
    insert = dialect_insert(session)
    stmt = insert(MessageRef).values(
        ref_key=ref_key,
        platform=platform,
        chat_id=chat_id,
        message_id=message_id,
        person_id=person_id,
        created_at=dt.datetime.now(dt.UTC),
        updated_at=dt.datetime.now(dt.UTC),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["ref_key", "platform", "chat_id"], set_={"message_id": message_id}
    )
    await session.execute(stmt)


async def _ref_key(session: AsyncSession, platform: str, chat_id: str, message_id: str) -> str | None:
    query = select(MessageRef.ref_key).where(
        MessageRef.platform == platform, MessageRef.chat_id == chat_id, MessageRef.message_id == message_id
    )
    return (await session.scalars(query)).first()


@read_only
async def ref_key_of(session: AsyncSession, platform: str, chat_id: str, message_id: str) -> str | None:
    """Which of our messages a person answered (a thread's root, a replied-to message), by its ref key."""
    return await _ref_key(session, platform, chat_id, message_id)


@dataclass(frozen=True)
class FirstReply:
    """A reply to one of our messages as its first delivery finds it: whether it is the first, which of
    our messages it answers (None: not ours), and who sent it (None: not linked)."""

    fresh: bool
    ref_key: str | None = None
    person: PersonView | None = None


async def first_reply_to(
    uow: UowFactory, platform: str, update_id: str, chat_id: str, message_id: str, account: str, now: dt.datetime
) -> FirstReply:
    """Record a reply's update id and, when it is new, look up the message it answers and its sender,
    in that one transaction: three look-ups each in a unit of work of its own were most of the way from
    an agent's thread reply to the partner (benchmarks/tickets_thread_roundtrip.py). A reply in a
    thread that is not ours is recorded too, so Slack's retries of it stop at the first look."""
    async with uow() as work:
        if not await record(work.session, platform, [update_id[:100]], now):
            return FirstReply(fresh=False)
        ref_key = await _ref_key(work.session, platform, chat_id, message_id)
        people = await by_identities(work.session, platform, [account]) if ref_key else {}
        await work.commit()
    return FirstReply(True, ref_key, people.get(account))
