"""`partnerbot report deals`: registrations, approval rate and median time to decision, conflicts, win rate,
pipeline by partner and tier, commission accrued vs paid, and the lead-sourced share; as a table, CSV,
JSON or a chart. Amounts are summed in each partner's main currency (the one most of its deals use):
partnerbot converts no currencies, so a deal in another currency is counted, not added."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commissions.models import CommissionLine
from domain.deals.models import ACTIVE, Deal
from domain.models import Partner
from domain.reporting import Formats

DECIDED = ("approved", "rejected", "won", "lost", "expired")


@dataclass
class DealStats:
    partner: str
    tier: str
    currency: str = ""
    registrations: int = 0
    approved_pct: float | None = None
    median_hours_to_decision: float | None = None
    conflicts: int = 0
    won: int = 0
    lost: int = 0
    win_pct: float | None = None
    pipeline: float = 0.0
    won_value: float = 0.0
    commission_accrued: float = 0.0
    commission_paid: float = 0.0
    lead_sourced_pct: float | None = None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _sum(values: list[Decimal]) -> float:
    return float(sum(values, Decimal(0)))


def _line(name: str, tier: str, deals: list[Deal], lines: list[CommissionLine]) -> DealStats:
    currency = Counter(d.currency for d in deals).most_common(1)[0][0] if deals else ""
    decided = [d for d in deals if d.status in DECIDED and d.decided_at is not None]
    approved = [d for d in deals if d.approved_at is not None]
    hours = [(d.decided_at - d.submitted_at).total_seconds() / 3600 for d in decided if d.decided_at]
    won = [d for d in deals if d.status == "won"]
    lost = [d for d in deals if d.status == "lost"]
    same = [line for line in lines if line.currency == currency]
    return DealStats(
        partner=name,
        tier=tier,
        currency=currency,
        registrations=len(deals),
        approved_pct=_pct(
            len(approved), len([d for d in deals if d.status not in ("submitted", "conflict", "info_requested")])
        ),
        median_hours_to_decision=round(statistics.median(hours), 1) if hours else None,
        conflicts=sum(d.conflict_with_id is not None for d in deals),
        won=len(won),
        lost=len(lost),
        win_pct=_pct(len(won), len(won) + len(lost)),
        pipeline=_sum([d.amount for d in deals if d.status in ACTIVE and d.currency == currency]),
        won_value=_sum([d.won_amount or d.amount for d in won if d.currency == currency]),
        commission_accrued=_sum([line.amount for line in same if line.status != "paid"]),
        commission_paid=_sum([line.amount for line in same if line.status == "paid"]),
        lead_sourced_pct=_pct(sum(d.lead_id is not None for d in deals), len(deals)),
    )


async def deal_report(session: AsyncSession, since: dt.datetime | None = None) -> list[DealStats]:
    """One line per partner with registrations in the period, then one per tier, then the whole program."""
    query = select(Deal)
    if since is not None:
        query = query.where(Deal.submitted_at >= since)
    deals = list((await session.scalars(query)).all())
    ids = {d.id for d in deals}
    lines = [line for line in (await session.scalars(select(CommissionLine))).all() if line.deal_id in ids]
    partners = {p.id: p for p in (await session.scalars(select(Partner))).all()}
    out = []
    for partner_id in sorted({d.partner_id for d in deals}, key=lambda i: partners[i].name):
        partner = partners[partner_id]
        out.append(
            _line(
                partner.name,
                partner.tier,
                [d for d in deals if d.partner_id == partner_id],
                [line for line in lines if line.partner_id == partner_id],
            )
        )
    for tier in ("platinum", "gold", "silver", "registered"):
        these = [d for d in deals if d.tier == tier]
        if these:
            out.append(
                _line(f"tier {tier}", tier, these, [line for line in lines if line.deal_id in {d.id for d in these}])
            )
    out.append(_line("all partners", "", deals, lines))
    return out


COLUMNS = (
    ("partner", "partner"),
    ("tier", "tier"),
    ("currency", "cur"),
    ("registrations", "registered"),
    ("approved_pct", "approved %"),
    ("median_hours_to_decision", "median h to decision"),
    ("conflicts", "conflicts"),
    ("won", "won"),
    ("lost", "lost"),
    ("win_pct", "win %"),
    ("pipeline", "pipeline"),
    ("won_value", "won value"),
    ("commission_accrued", "commission accrued"),
    ("commission_paid", "commission paid"),
    ("lead_sourced_pct", "lead-sourced %"),
)


FORMATS = Formats("deals", "partners", COLUMNS, text_columns=3)
as_table, as_csv, as_json = FORMATS.as_table, FORMATS.as_csv, FORMATS.as_json


def chart(rows: list[DealStats], path: Path, title: str = "Deals by partner") -> Path:
    """Pipeline and won value per partner (in its main currency), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    partners = [r for r in rows if not r.partner.startswith(("tier ", "all partners"))]
    labels = [f"{r.partner} ({r.currency})" for r in partners] or ["(none)"]
    pipeline = [r.pipeline for r in partners] or [0.0]
    won = [r.won_value for r in partners] or [0.0]
    xs = range(len(labels))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(labels)), 4.2))
    ax.bar([x - 0.2 for x in xs], pipeline, 0.4, label="open pipeline", color="#8da0cb")
    ax.bar([x + 0.2 for x in xs], won, 0.4, label="won", color="#66c2a5")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel("amount")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
