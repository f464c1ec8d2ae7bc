"""Run a job in exactly one process of an installation, holding a lease in the shared database.

The holder renews the lease every third of its lifetime; a process that finds it held says once who
holds it and checks again now and then, so that it takes over within one lifetime when the holder stops.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.workers import worker_id
from domain.coordination import leases
from domain.db import UowFactory

logger = logging.getLogger(__name__)
LEASE_SECONDS = 30.0


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _take(uow: UowFactory, name: str, holder: str, ttl: float) -> str:
    now = dt.datetime.now(dt.UTC)
    async with uow() as unit:
        holder = await leases.take(unit.session, name, holder, now, dt.timedelta(seconds=ttl))
        await unit.commit()
    return holder


async def run_leased(
    uow: UowFactory,
    name: str,
    job: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    ttl: float | None = None,
) -> None:
    """Run `job` while this process holds the lease `name`; stop it when the lease is lost or `stop` is set."""
    ttl = ttl or LEASE_SECONDS
    me = worker_id(job)
    told: str | None = None
    while not stop.is_set():
        try:
            holder = await _take(uow, name, me, ttl)
        except Exception:
            logger.exception("%s: could not reach the database for the lease; trying again", name)
            await _sleep_unless(stop, ttl / 3)
            continue
        if holder != me:
            if holder != told:
                logger.info(
                    "%s: another process holds it (%s); this one waits and takes over if it stops", name, holder
                )
                told = holder
            await _sleep_unless(stop, ttl / 3)
            continue
        logger.info("%s: this process holds it", name)
        told = None
        await _hold(uow, name, me, job, stop, ttl)
    async with uow() as unit:
        await leases.give_up(unit.session, name, me, dt.datetime.now(dt.UTC))
        await unit.commit()


async def _hold(
    uow: UowFactory,
    name: str,
    me: str,
    job: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    ttl: float,
) -> None:
    lost = asyncio.Event()
    running = asyncio.create_task(job(lost))
    try:
        while not running.done():
            await _sleep_unless(stop, ttl / 3)
            if stop.is_set():
                break
            try:
                holder = await _take(uow, name, me, ttl)
            except Exception:
                logger.warning("%s: could not renew the lease; the job stops until it is renewed", name)
                break
            if holder != me:
                logger.warning("%s: the lease passed to %s; this process stops the job", name, holder)
                break
    finally:
        lost.set()
        await running
