"""How every `partnerbot report` prints: an aligned plain-text table and a CSV, from named columns."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from domain.spreadsheet import csv_text

Columns = Sequence[tuple[str, str]]
"""(attribute, header label) of each column, in order."""


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def text_table(rows: Sequence[object], columns: Columns, *, text_columns: int, empty: str = "") -> str:
    """Text columns left-aligned, numbers right-aligned, a missing value as "-"."""
    header = [label for _, label in columns]
    body = [[_cell(getattr(r, key)) for key, _ in columns] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < text_columns else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    lines = [line(header), *(line(b) for b in body)]
    if not body and empty:
        lines.append(empty)
    return "\n".join(lines)


def csv_table(rows: Sequence[object], columns: Columns) -> str:
    return csv_text([key for key, _ in columns], [[getattr(r, key) for key, _ in columns] for r in rows])


def json_report(report: str, key: str, rows: Sequence[Any], since: dt.datetime | None) -> str:
    """`{"report": …, "since": …, key: [rows as objects]}` (rows are dataclasses)."""
    return json.dumps(
        {"report": report, "since": since.isoformat() if since else None, key: [asdict(r) for r in rows]},
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class Formats:
    """A report's table, CSV and JSON from its columns: one definition instead of three functions per report."""

    report: str
    key: str
    columns: Columns
    text_columns: int
    empty: str = ""

    def as_table(self, rows: Sequence[Any]) -> str:
        return text_table(rows, self.columns, text_columns=self.text_columns, empty=self.empty)

    def as_csv(self, rows: Sequence[Any]) -> str:
        return csv_table(rows, self.columns)

    def as_json(self, rows: Sequence[Any], since: dt.datetime | None) -> str:
        return json_report(self.report, self.key, rows, since)


def count_axis(ax: Any, label: str) -> None:
    """A y axis of counts: whole numbers only (no "2.5 tickets"), starting at zero."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(label)


def percent_chart(path: Path, labels: Sequence[str], values: Sequence[float], *, ylabel: str, title: str) -> Path:
    """One bar of 0–100 % per label, as a PNG: the reports that chart a share (activation, action rates)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values = list(labels) or ["(none)"], list(values) or [0.0]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(labels)), 4.2))
    ax.bar(range(len(labels)), values, 0.6, color="#66c2a5")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
