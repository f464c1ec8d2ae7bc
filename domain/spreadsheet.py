"""CSV that a spreadsheet opens as data: every report and export writes through `csv_text`.

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets (a partner's company name `=HYPERLINK(...)` would run when a CAM opens the report).
Such cells get a leading `'`, which the spreadsheet shows as text (OWASP "CSV injection"). Numbers stay
numbers: only text is neutralised, so `-3` as an int is still `-3`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value to write: text that a spreadsheet would run as a formula is prefixed with `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; also quotes a cell holding a lone CR
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell("" if value is None else value) for value in row])
    return out.getvalue()
