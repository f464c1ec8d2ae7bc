"""`partnerbot report leads`: per partner offered, claimed, median time to claim, follow-up SLA kept,
reclaims and conversion, from the lead event history; as a table, CSV, JSON or a bar chart.

A duration is never negative: a claim recorded before its offer (the offer came from `sweep --at` a
future instant, the claim from the real clock) is counted as a claim but left out of the median, since
no real wait can be read from it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.leads.models import LeadEvent
from domain.models import Partner
from domain.reporting import Formats, count_axis


@dataclass
class PartnerLeadStats:
    partner_id: str
    partner: str
    offered: int = 0
    claimed: int = 0
    median_minutes_to_claim: float | None = None
    sla_kept_pct: float | None = None
    reclaims: int = 0
    converted: int = 0
    conversion_pct: float | None = None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


async def lead_report(session: AsyncSession, since: dt.datetime | None = None) -> list[PartnerLeadStats]:
    """One row per partner that was offered a lead in the period (ordered by partner id)."""
    query = select(LeadEvent.kind, LeadEvent.partner_id, LeadEvent.at, LeadEvent.detail).where(
        LeadEvent.partner_id.is_not(None)
    )
    if since is not None:
        query = query.where(LeadEvent.at >= since)
    partners = {p.id: p for p in (await session.scalars(select(Partner))).all()}
    stats: dict[int, PartnerLeadStats] = {}
    waits: dict[int, list[float]] = {}
    kept: dict[int, int] = {}
    for kind, partner_id, at, detail in (await session.execute(query)).all():
        partner = partners.get(partner_id)
        if partner is None:
            continue
        row = stats.setdefault(partner_id, PartnerLeadStats(partner.external_id, partner.name))
        detail = detail or {}
        if kind == "offered":
            row.offered += 1
        elif kind in ("claimed", "accepted"):
            row.claimed += 1
            if detail.get("offered_at"):
                offered_at = dt.datetime.fromisoformat(detail["offered_at"])
                if at >= offered_at:
                    waits.setdefault(partner_id, []).append((at - offered_at).total_seconds() / 60)
        elif kind == "reclaimed":
            row.reclaims += 1
        elif kind == "converted":
            row.converted += 1
        if kind in ("updated", "converted") and detail.get("first") and detail.get("within_sla"):
            kept[partner_id] = kept.get(partner_id, 0) + 1
    for partner_id, row in stats.items():
        if waits.get(partner_id):
            row.median_minutes_to_claim = round(statistics.median(waits[partner_id]), 1)
        row.sla_kept_pct = _pct(kept.get(partner_id, 0), kept.get(partner_id, 0) + row.reclaims)
        row.conversion_pct = _pct(row.converted, row.claimed)
    return [stats[k] for k in sorted(stats, key=lambda k: partners[k].external_id)]


COLUMNS = (
    ("partner_id", "partner"),
    ("partner", "name"),
    ("offered", "offered"),
    ("claimed", "claimed"),
    ("median_minutes_to_claim", "median min to claim"),
    ("sla_kept_pct", "SLA kept %"),
    ("reclaims", "reclaims"),
    ("converted", "converted"),
    ("conversion_pct", "conversion %"),
)


FORMATS = Formats("leads", "partners", COLUMNS, text_columns=2, empty="(no lead activity in this period)")
as_table, as_csv, as_json = FORMATS.as_table, FORMATS.as_csv, FORMATS.as_json


def chart(rows: list[PartnerLeadStats], path: Path, title: str = "Leads by partner") -> Path:
    """A grouped bar chart (offered, claimed, reclaims, converted per partner) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r.partner for r in rows] or ["(none)"]
    series = (("offered", "#8da0cb"), ("claimed", "#66c2a5"), ("reclaims", "#fc8d62"), ("converted", "#e78ac3"))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(labels)), 4.0))
    for n, (key, color) in enumerate(series):
        values = [getattr(r, key) for r in rows] or [0]
        ax.bar([i + n * width - 0.4 + width / 2 for i in range(len(labels))], values, width, label=key, color=color)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    count_axis(ax, "leads")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
