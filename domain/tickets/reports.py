"""`partnerbot report support`: volume by category, SLA compliance by severity and team, mean and p90
time to resolution, escalation and repeat rates, and KB deflection; as a table, CSV, JSON or a chart.

KB deflection: of the searches partners made in the period, the share not followed by a ticket from
the same person within 24 hours — questions the knowledge base answered without the support team.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kb.models import KbSearch
from domain.reporting import Formats, count_axis
from domain.tickets.models import Ticket
from domain.tickets.sla import CATEGORIES

DEFLECTION_WINDOW = dt.timedelta(hours=24)


@dataclass
class SupportStats:
    """One line of the report: all tickets, a category (with its team) or a severity."""

    group: str  # all | category | severity
    name: str
    team: str = ""
    tickets: int = 0
    first_response_kept_pct: float | None = None
    resolution_kept_pct: float | None = None
    mean_hours_to_resolution: float | None = None
    p90_hours_to_resolution: float | None = None
    escalated_pct: float | None = None
    repeat_pct: float | None = None
    kb_deflection_pct: float | None = None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _kept(values: Iterable[bool | None]) -> float | None:
    decided = [v for v in values if v is not None]
    return _pct(sum(decided), len(decided))


def _p90(hours: list[float]) -> float | None:
    if not hours:
        return None
    ordered = sorted(hours)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 1)


def _line(group: str, name: str, team: str, tickets: list[Ticket]) -> SupportStats:
    hours = [
        (t.resolved_at - t.opened_at).total_seconds() / 3600
        for t in tickets
        if t.resolved_at is not None and t.resolved_at >= t.opened_at
    ]
    return SupportStats(
        group=group,
        name=name,
        team=team,
        tickets=len(tickets),
        first_response_kept_pct=_kept(t.first_response_kept for t in tickets),
        resolution_kept_pct=_kept(t.resolution_kept for t in tickets),
        mean_hours_to_resolution=round(statistics.fmean(hours), 1) if hours else None,
        p90_hours_to_resolution=_p90(hours),
        escalated_pct=_pct(sum(t.escalated for t in tickets), len(tickets)),
        repeat_pct=_pct(sum(t.repeat_of_id is not None for t in tickets), len(tickets)),
    )


async def _deflection(session: AsyncSession, since: dt.datetime | None) -> float | None:
    searches = select(KbSearch.person_id, KbSearch.created_at).where(KbSearch.person_id.is_not(None))
    tickets = select(Ticket.opened_by_id, Ticket.opened_at)
    if since is not None:
        searches = searches.where(KbSearch.created_at >= since)
        tickets = tickets.where(Ticket.opened_at >= since)
    opened: dict[int, list[dt.datetime]] = {}
    for person_id, at in (await session.execute(tickets)).all():
        opened.setdefault(person_id, []).append(at)
    rows = (await session.execute(searches)).all()
    deflected = sum(
        1
        for person_id, at in rows
        if person_id is not None and not any(at <= o <= at + DEFLECTION_WINDOW for o in opened.get(person_id, []))
    )
    return _pct(deflected, len(rows))


async def support_report(session: AsyncSession, since: dt.datetime | None = None) -> list[SupportStats]:
    """The whole desk first, then each category that had tickets, then each severity."""
    query = select(Ticket)
    if since is not None:
        query = query.where(Ticket.opened_at >= since)
    tickets = list((await session.scalars(query)).all())
    total = _line("all", "all tickets", "", tickets)
    total.kb_deflection_pct = await _deflection(session, since)
    lines = [total]
    for key, category in CATEGORIES.items():
        these = [t for t in tickets if t.category == key]
        if these:
            lines.append(_line("category", key, category.team, these))
    for severity in ("critical", "high", "medium", "low"):
        these = [t for t in tickets if t.severity == severity]
        if these:
            lines.append(_line("severity", severity, "", these))
    return lines


COLUMNS = (
    ("group", "by"),
    ("name", "name"),
    ("team", "team"),
    ("tickets", "tickets"),
    ("first_response_kept_pct", "1st response kept %"),
    ("resolution_kept_pct", "resolution kept %"),
    ("mean_hours_to_resolution", "mean h"),
    ("p90_hours_to_resolution", "p90 h"),
    ("escalated_pct", "escalated %"),
    ("repeat_pct", "repeat %"),
    ("kb_deflection_pct", "KB deflection %"),
)


FORMATS = Formats("support", "lines", COLUMNS, text_columns=3)
as_table, as_csv, as_json = FORMATS.as_table, FORMATS.as_csv, FORMATS.as_json


def chart(rows: list[SupportStats], path: Path, title: str = "Support by category") -> Path:
    """Tickets per category with the share that kept the resolution SLA, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = [r for r in rows if r.group == "category"]
    labels = [r.name for r in categories] or ["(none)"]
    volume = [r.tickets for r in categories] or [0]
    kept = [round(r.tickets * (r.resolution_kept_pct or 0) / 100, 1) for r in categories] or [0]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(labels)), 4.0))
    ax.bar(range(len(labels)), volume, 0.6, label="tickets", color="#8da0cb")
    ax.bar(range(len(labels)), kept, 0.35, label="resolution SLA kept", color="#66c2a5")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    count_axis(ax, "tickets")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
