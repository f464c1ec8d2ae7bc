"""Where a message was shown on a platform (its message id per chat), so a later push edits it.

Platform knowledge: only the sender reads and writes it; the domain names messages by `ref_key` alone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import read_only
from domain.models import MessageRef
from domain.outbox import dialect_insert


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


@read_only
async def ref_key_of(session: AsyncSession, platform: str, chat_id: str, message_id: str) -> str | None:
    """Which of our messages a person answered (a thread's root, a replied-to message), by its ref key."""
    query = select(MessageRef.ref_key).where(
        MessageRef.platform == platform, MessageRef.chat_id == chat_id, MessageRef.message_id == message_id
    )
    return (await session.scalars(query)).first()
