"""`partnerbot import KIND FILE`: read, validate every row, report, then write all or nothing."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bot.app import App
from domain import directory
from domain import importing as imp
from domain.leads import importing as lead_import


@dataclass(frozen=True)
class ImportKind:
    columns: tuple[imp.Column, ...]
    validate: Callable[[Any, imp.Validated], Awaitable[None]]
    write: Callable[..., Awaitable[imp.ImportResult]]


@dataclass(frozen=True)
class AppImportKind(ImportKind):
    """An import kind whose writer needs app services (the clock, program policy) besides the session."""

    extra: Callable[[App], dict[str, Any]] = lambda app: {}


def _lead_services(app: App) -> dict[str, Any]:
    return {"now": app.deps.now(), "policy": app.deps.services.get("leads_policy")}


KINDS: dict[str, ImportKind] = {
    "partners": ImportKind(directory.PARTNER_COLUMNS, directory.validate_partners, directory.import_partners),
    "people": ImportKind(directory.PEOPLE_COLUMNS, directory.validate_people, directory.import_people),
    "leads": AppImportKind(
        lead_import.LEAD_COLUMNS, lead_import.validate_leads, lead_import.import_leads, extra=_lead_services
    ),
}


def register(name: str, kind: ImportKind) -> None:
    """Capabilities add their import kinds here (leads, payments, milestones)."""
    KINDS[name] = kind


async def import_file(
    app: App, kind: str, path: Path, *, skip_invalid: bool, progress: Callable[[int], None] | None = None
) -> tuple[imp.ImportResult | None, list[imp.RowError]]:
    """Validate and, when allowed, write. Returns (result or None when nothing was written, errors)."""
    spec = KINDS[kind]
    names, rows = imp.read_table(path)
    imp.check_header(names, spec.columns, path)
    validated = imp.validate_rows(rows, spec.columns)
    async with app.uow() as uow:
        await spec.validate(uow.session, validated)
        if validated.errors and not skip_invalid:
            return None, validated.errors
        result = await spec.write(uow.session, validated, progress=progress, **_extra(kind, app))
        await uow.commit()
    return result, validated.errors


def _extra(kind: str, app: App) -> dict[str, Any]:
    extra = getattr(KINDS[kind], "extra", None)
    return extra(app) if extra else {}


async def run_import(app: App, kind: str, path: Path, *, skip_invalid: bool) -> int:
    """The CLI side: progress bar on a terminal, plain lines otherwise; returns the exit status."""
    out = sys.stdout
    if out.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task(f"importing {kind}", total=None)
            result, errors = await import_file(
                app, kind, path, skip_invalid=skip_invalid, progress=lambda n: bar.advance(task, n)
            )
    else:
        result, errors = await import_file(app, kind, path, skip_invalid=skip_invalid)
    for error in errors:
        print(f"{path.name}: {error}", file=sys.stderr)
    if result is None:
        print(
            f"{path.name}: {len({e.row for e in errors})} bad row(s); nothing imported "
            "(fix them, or use --skip-invalid to import the good rows)",
            file=sys.stderr,
        )
        return 2
    print(
        f"{kind}: {result.created} created, {result.updated} updated"
        + (f", {len({e.row for e in errors})} row(s) skipped" if errors else "")
    )
    return 0
