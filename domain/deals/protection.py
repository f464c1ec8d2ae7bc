"""Protection's due work, found by indexed due columns as of one instant: reminders 14 and 3 days before
expiry, and the expiry itself. Each row is moved by a conditional UPDATE that clears or advances its due
column, so running the same instant twice sends nothing twice, and a sweep after downtime catches up
with one reminder (the latest due) and the expiry, not a burst."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.deals import notifications  # noqa: F401  (registers who hears of each deal event)
from domain.deals.events import DealChanged, ProtectionEnded, ProtectionEnding
from domain.deals.models import Deal
from domain.deals.policy import DealPolicy
from domain.events import publish
from domain.sweeps import Sweep, SweepContext, drain_due

BATCH = 500


async def remind(session: AsyncSession, deal_id: int, at: dt.datetime, policy: DealPolicy) -> int:
    deal = await session.get(Deal, deal_id)
    if deal is None or deal.reminder_at is None or deal.expires_at is None or deal.reminder_at > at:
        return 0
    if deal.expires_at <= at:  # the expiry sweep says it
        await transitions.transition(session, Deal, deal_id, "approved", {"reminder_at": None})
        return 0
    following = policy.next_reminder(deal.expires_at, at + dt.timedelta(days=1, seconds=1))
    done = await transitions.transition(
        session, Deal, deal_id, "approved", {"reminder_at": following}, Deal.reminder_at <= at
    )
    if done is None:
        return 0
    days_left = max(1, round((deal.expires_at - at) / dt.timedelta(days=1)))
    await publish(session, ProtectionEnding(deal_id, days_left), at)
    return 1


async def expire(session: AsyncSession, deal_id: int, at: dt.datetime, policy: DealPolicy) -> int:
    done = await transitions.transition(
        session,
        Deal,
        deal_id,
        "approved",
        {
            "status": "expired",
            "reminder_at": None,
            "extension_requested_at": None,
            "version": Deal.version + 1,
            "updated_at": at,
        },
        Deal.expires_at <= at,
    )
    if done is None:
        await transitions.transition(
            session, Deal, deal_id, ("won", "lost", "rejected", "expired"), {"expires_at": None}
        )
        return 0
    await transitions.transition(session, Deal, deal_id, "expired", {"expires_at": None})
    await publish(session, ProtectionEnded(deal_id), at)
    await publish(session, DealChanged(deal_id, done.version, policy.cam_channel), at)
    return 1


def sweeps(policy: DealPolicy) -> Sequence[Sweep]:
    async def reminders(ctx: SweepContext) -> int:
        return await drain_due(ctx, Deal.reminder_at, lambda s, i: remind(s, i, ctx.at, policy), batch=BATCH)

    async def expiries(ctx: SweepContext) -> int:
        return await drain_due(ctx, Deal.expires_at, lambda s, i: expire(s, i, ctx.at, policy), batch=BATCH)

    return (Sweep("deals_protection_reminders", reminders), Sweep("deals_protection_expired", expiries))
