"""`partnerbot report onboarding`: each partner in the period (the CAMs' portfolio table, riskiest first),
then activation rate, median days to the first certification and the first deal, and the milestone where
partners stall most — by type, tier and monthly cohort (of `joined_on`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Partner
from domain.onboarding.policy import OnboardingPolicy
from domain.onboarding.progress import Step, steps_of
from domain.onboarding.queries import portfolio_line, risk_order
from domain.reporting import Formats, percent_chart


@dataclass
class OnboardingStats:
    group: str  # partner | type | tier | cohort | all
    name: str
    partners: int = 1
    day: int | None = None
    overdue: int | None = None
    days_left: int | None = None
    last_activity: str | None = None
    activated_pct: float | None = None
    median_days_to_certification: float | None = None
    median_days_to_first_deal: float | None = None
    stalls_at: str | None = None


@dataclass(frozen=True)
class _Journey:
    partner: Partner
    steps: list[Step]
    activated: bool
    certified_day: int | None
    deal_day: int | None
    stalled: str | None


def _group_of(journey: _Journey, group: str) -> str:
    partner = journey.partner
    if group == "cohort":
        return partner.joined_on.strftime("%Y-%m") if partner.joined_on else ""
    return partner.type if group == "type" else partner.tier


def _median(values: list[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _aggregate(group: str, name: str, journeys: list[_Journey]) -> OnboardingStats:
    stalls = Counter(j.stalled for j in journeys if j.stalled)
    return OnboardingStats(
        group=group,
        name=name,
        partners=len(journeys),
        activated_pct=round(100.0 * sum(j.activated for j in journeys) / len(journeys), 1),
        median_days_to_certification=_median([j.certified_day for j in journeys if j.certified_day is not None]),
        median_days_to_first_deal=_median([j.deal_day for j in journeys if j.deal_day is not None]),
        stalls_at=stalls.most_common(1)[0][0] if stalls else None,
    )


async def onboarding_report(
    session: AsyncSession, since: dt.datetime | None = None, policy: OnboardingPolicy | None = None
) -> list[OnboardingStats]:
    policy = policy or OnboardingPolicy()
    query = select(Partner).where(Partner.joined_on.is_not(None))
    if since is not None:
        query = query.where(Partner.joined_on >= since.date() - dt.timedelta(days=90))
    now = dt.datetime.now(dt.UTC) if since is None else max(since, dt.datetime.now(dt.UTC))
    partners = list((await session.scalars(query)).all())
    journeys: list[_Journey] = []
    lines = []
    for partner in partners:
        assert partner.joined_on is not None
        track = policy.track(partner.type)
        steps = await steps_of(session, partner, track)
        today = now.date()

        def done_day(
            keys: tuple[str, ...], steps: list[Step] = steps, joined: dt.date = partner.joined_on
        ) -> int | None:
            days = [(s.done_on - joined).days for s in steps if s.milestone.key in keys and s.done_on]
            return min(days, default=None)

        deal_day = done_day(("first_deal",))
        journeys.append(
            _Journey(
                partner,
                steps,
                deal_day is not None and deal_day <= track.activation_days[1],
                done_day(("sales_cert", "tech_cert")),
                deal_day,
                next((s.milestone.key for s in steps if s.late_by(today) > 0), None),
            )
        )
        line = await portfolio_line(session, partner, now, policy)
        lines.append(line)
    ordered = sorted(lines, key=risk_order)
    rows = [
        OnboardingStats(
            group="partner",
            name=f"{line.partner} ({line.partner_id})",
            day=line.day,
            overdue=line.overdue,
            days_left=line.days_left,
            last_activity=line.last_activity.isoformat() if line.last_activity else None,
        )
        for line in ordered
    ]
    for group in ("type", "tier", "cohort"):
        for name in sorted({_group_of(j, group) for j in journeys}):
            rows.append(_aggregate(group, name, [j for j in journeys if _group_of(j, group) == name]))
    if journeys:
        rows.append(_aggregate("all", "all partners", journeys))
    return rows


COLUMNS = (
    ("group", "by"),
    ("name", "name"),
    ("partners", "partners"),
    ("day", "day"),
    ("overdue", "overdue"),
    ("days_left", "days left to activate"),
    ("last_activity", "last activity"),
    ("activated_pct", "activated %"),
    ("median_days_to_certification", "median days to cert"),
    ("median_days_to_first_deal", "median days to deal"),
    ("stalls_at", "stalls at"),
)


FORMATS = Formats("onboarding", "lines", COLUMNS, text_columns=2)
as_table, as_csv, as_json = FORMATS.as_table, FORMATS.as_csv, FORMATS.as_json


def chart(rows: list[OnboardingStats], path: Path, title: str = "Onboarding by cohort") -> Path:
    """Activation rate per monthly cohort, as a PNG."""
    cohorts = [r for r in rows if r.group == "cohort"]
    return percent_chart(
        path,
        [f"{r.name} (n={r.partners})" for r in cohorts],
        [r.activated_pct or 0.0 for r in cohorts],
        ylabel="activated % (first deal within the window)",
        title=title,
    )
