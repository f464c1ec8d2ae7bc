"""Leases: a job that exactly one process of an installation may run (taking updates by long
polling, which the platform allows to one caller at a time).

The holder renews the lease well before it expires; a holder that stops renewing (its process died)
loses it once it expires, and another process takes it over.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.coordination.models import Lease


async def take(session: AsyncSession, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> str:
    """Take or renew the lease when it is free, expired or already ours; returns who holds it now."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Lease)
        .values(name=name, holder=holder, expires_at=now + ttl)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl)
    )
    current = await session.scalar(select(Lease.holder).where(Lease.name == name))
    return current or holder


async def give_up(session: AsyncSession, name: str, holder: str, now: dt.datetime) -> None:
    """Let another process take the lease at once (a clean shutdown)."""
    await session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=now))
