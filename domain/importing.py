"""Reading CSV/XLSX tables and validating every row before anything is written (CONTRACT.md §3, §6).

A file is judged whole: every bad row is reported by its spreadsheet row number (header = row 1) and
column, and nothing is imported while any row is bad unless the operator asks for the good rows only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.amounts import parse_amount, readings, show_amount
from domain.calendar import is_valid_timezone
from domain.errors import UserFacingError
from domain.i18n import normalize_language

MAX_CELL = 5000
_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


class ImportFileError(Exception):
    """The file as a whole cannot be read: missing, wrong encoding, no header, missing columns."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser = str
    required: bool = False


@dataclass
class Validated:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no cell of a partner, people or lead file has a reason to hold (tabs and newlines are fine)."""


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (row number, cells) of a CSV (UTF-8, BOM allowed) or the first sheet of an XLSX."""
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 (byte {exc.start} cannot be read); save it as 'CSV UTF-8' and retry"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path.name} is empty; it needs a header row") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
    names = [h.strip().lower() for h in header]
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
            if len(cells) > len(names):
                row["__extra__"] = str(len(cells) - len(names))
            rows.append((number, row))
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} line {reader.line_num}: {exc}") from None
    return names, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"{path.name} is not a readable XLSX file ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        raise ImportFileError(f"{path.name} is empty; it needs a header row")
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    rows = []
    for number, cells in enumerate(values, start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        row = {name: _cell_text(cells[i] if i < len(cells) else None) for i, name in enumerate(names) if name}
        rows.append((number, row))
    book.close()
    return names, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_header(names: Sequence[str], columns: Iterable[Column], path: Path) -> None:
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise ImportFileError(f"{path.name} is missing the column(s): {', '.join(missing)}")


def validate_rows(rows: Iterable[tuple[int, dict[str, str]]], columns: Sequence[Column]) -> Validated:
    out = Validated()
    for number, cells in rows:
        parsed: dict[str, Any] = {}
        row_errors: list[RowError] = []
        if "__extra__" in cells:
            row_errors.append(RowError(number, None, f"{cells['__extra__']} more cell(s) than the header has"))
        for column in columns:
            raw = (cells.get(column.name) or "").strip()
            if len(raw) > MAX_CELL:
                row_errors.append(RowError(number, column.name, f"longer than {MAX_CELL} characters"))
                continue
            if CONTROL_CHARACTERS.search(raw):  # a NUL byte is refused by PostgreSQL mid-import
                row_errors.append(RowError(number, column.name, "contains a control character (such as a NUL byte)"))
                continue
            if not raw:
                if column.required:
                    row_errors.append(RowError(number, column.name, "is required"))
                parsed[column.name] = None
                continue
            try:
                parsed[column.name] = column.parse(raw)
            except ValueError as exc:
                row_errors.append(RowError(number, column.name, str(exc)))
        if row_errors:
            out.errors.extend(row_errors)
        else:
            out.rows.append((number, parsed))
    return out


# Cell parsers: each raises ValueError with a reason the operator can act on.


def text(max_length: int) -> Parser:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise ValueError(f"at most {max_length} characters (found {len(raw)})")
        return raw

    return parse


def one_of(*allowed: str) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"{raw!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def email(raw: str) -> str:
    value = raw.strip().lower()
    if len(value) > 254 or not _EMAIL_RE.match(value):
        raise ValueError(f"{raw!r} is not an email address")
    return value


def date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip()[:10] if "T" in raw else raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def timezone(raw: str) -> str:
    if not is_valid_timezone(raw.strip()):
        raise ValueError(f"{raw!r} is not an IANA timezone such as Europe/Berlin")
    return raw.strip()


def language(raw: str) -> str:
    lang = normalize_language(raw)
    if lang is None:
        raise ValueError(f"{raw!r} is not one of en, de, ja, pt_BR")
    return lang


def country(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"{raw!r} is not a two-letter country code")
    return value


def id_text(raw: str) -> str:
    value = raw.strip()
    if len(value) > 100 or not re.fullmatch(r"[\w.:/-]+", value):
        raise ValueError(f"{raw!r} is not a valid id (letters, digits and . _ - : / only, at most 100)")
    return value


def semicolon_list(raw: str) -> list[str]:
    return [part.strip().lower() for part in raw.split(";") if part.strip()]


def decimal_number(raw: str) -> float:
    """An amount in a file, read like one typed in chat (`domain.amounts`, English conventions first):
    "48.000,00" is 48000, "1,5" is 1.5, and "1,500" is refused with both readings."""
    try:
        return float(parse_amount(raw, "en"))
    except UserFacingError:
        found = readings(raw, "en")
        if len(found) > 1:
            first, second = (show_amount(value, "en") for value in found)
            message = f"{raw!r} could be {first} or {second}; write it without a thousands separator"
            raise ValueError(message) from None
        raise ValueError(f"{raw!r} is not a number") from None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: list[RowError] = field(default_factory=list)
    # What the operator should read beyond the counts (where each new lead went), one line each.
    notes: list[str] = field(default_factory=list)


def to_write(validated: Validated) -> tuple[ImportResult, list[tuple[int, dict[str, Any]]]]:
    """A writer's start: the result carrying the refused rows, and the rows to write (the others)."""
    bad = {error.row for error in validated.errors}
    return ImportResult(skipped=list(validated.errors)), [(n, row) for n, row in validated.rows if n not in bad]
