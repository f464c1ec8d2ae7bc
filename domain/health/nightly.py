"""The nightly evaluation: every partner's health score (one snapshot a day; a drop of 15 points in a
week alerts the CAM) and its tier measured against the thresholds (an advancement it qualifies for, or
its tier at risk 60 days before the review date, told once per review period).

The review date is the anniversary of the partner's `joined_on` (else of its creation). Runs once per
program-local day: a second run the same day finds the day's snapshots and does nothing twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import zone
from domain.events import publish
from domain.health import notifications  # noqa: F401  (registers who hears of each health event)
from domain.health.events import HealthDropped, TierNews
from domain.health.models import HealthSnapshot, TierReview
from domain.health.policy import TIERS, HealthPolicy
from domain.health.scores import Measures, measure, score_of
from domain.models import Partner
from domain.outbox import dialect_insert
from domain.sweeps import Sweep, SweepContext


def review_date(partner: Partner, today: dt.date) -> dt.date:
    start = partner.joined_on or partner.created_at.date()
    for year in (today.year, today.year + 1):
        try:
            candidate = start.replace(year=year)
        except ValueError:  # 29 February
            candidate = dt.date(year, 3, 1)
        if candidate > today:
            return candidate
    return today + dt.timedelta(days=365)


def qualified_tier(m: Measures, policy: HealthPolicy) -> str:
    best = "registered"
    for tier in TIERS[1:]:
        threshold = policy.thresholds.get(tier)
        if threshold and m.won_value >= threshold.won_value and len(m.certified) >= threshold.certified:
            best = tier
    return best


async def _tier_news(
    session: AsyncSession,
    partner: Partner,
    m: Measures,
    review: TierReview | None,
    today: dt.date,
    at: dt.datetime,
    policy: HealthPolicy,
) -> int:
    review_on = review_date(partner, today)
    if review is None:  # kept only once something was told (most nights nothing is: no row, no write)
        review = TierReview(partner_id=partner.id, period=review_on, advancement_told=None, risk_told=False)
    elif review.period != review_on:  # a new review period: each news may be told again
        review.period, review.advancement_told, review.risk_told = review_on, None, False
    qualified = qualified_tier(m, policy)
    rank = TIERS.index
    news = None
    if partner.tier in TIERS and rank(qualified) > rank(partner.tier) and review.advancement_told != qualified:
        news, tier, review.advancement_told = "advancement", qualified, qualified
    elif (
        partner.tier in TIERS[1:]
        and rank(qualified) < rank(partner.tier)
        and (review_on - today).days <= policy.risk_window_days
        and not review.risk_told
    ):
        news, tier, review.risk_told = "at_risk", partner.tier, True
    if news is None:
        return 0
    session.add(review)
    event = TierNews(
        partner.id, news, tier, review_on.isoformat(), str(m.won_value), len(m.certified), policy.cam_channel
    )
    return await publish(session, event, at)


async def evaluate(session: AsyncSession, at: dt.datetime, policy: HealthPolicy) -> int:
    today = at.astimezone(zone(policy.calendar.timezone)).date()
    evaluated = select(HealthSnapshot.partner_id).where(HealthSnapshot.day == today)
    partners = list((await session.scalars(select(Partner).where(Partner.id.not_in(evaluated)))).all())
    if not partners:  # the ticker calls every minute: once a day there is work
        return 0
    week_ago = dict(
        (
            await session.execute(
                select(HealthSnapshot.partner_id, HealthSnapshot.score).where(
                    HealthSnapshot.day == today - dt.timedelta(days=7)
                )
            )
        ).all()
    )
    measures = await measure(session, at, today)
    reviews = {r.partner_id: r for r in (await session.scalars(select(TierReview))).all()}
    rows = []
    for partner in partners:
        m = measures.get(partner.id, Measures())
        score = score_of(m, policy)
        rows.append(
            {
                "partner_id": partner.id,
                "day": today,
                "score": score.score,
                "components": {**score.components, "reasons": list(score.reasons)},
            }
        )
        before = week_ago.get(partner.id)
        if before is not None and before - score.score >= policy.drop_alert:
            await publish(
                session, HealthDropped(partner.id, before, score.score, score.reasons, policy.cam_channel), at
            )
        await _tier_news(session, partner, m, reviews.get(partner.id), today, at, policy)
    for start in range(0, len(rows), 500):
        await session.execute(
            dialect_insert(session)(HealthSnapshot)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["partner_id", "day"])
        )
    return len(rows)


def sweeps(policy: HealthPolicy) -> tuple[Sweep, ...]:
    async def run(ctx: SweepContext) -> int:
        async with ctx.uow() as uow:
            done = await evaluate(uow.session, ctx.at, policy)
            await uow.commit()
        return done

    return (Sweep("health_nightly", run),)
