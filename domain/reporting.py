"""How every `partnerbot report` prints: an aligned plain-text table and a CSV, from named columns."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
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
