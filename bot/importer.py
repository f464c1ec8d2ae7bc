"""`partnerbot import KIND FILE`: read, validate every row, report, then write all or nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.progress import Progress

from bot.app import App
from bot.capabilities import import_kinds
from domain import importing as imp


async def import_file(
    app: App, kind: str, path: Path, *, skip_invalid: bool, progress: Callable[[int], None] | None = None
) -> tuple[imp.ImportResult | None, list[imp.RowError]]:
    """Validate and, when allowed, write. Returns (result or None when nothing was written, errors)."""
    spec = import_kinds(app.capabilities)[kind]
    names, rows = imp.read_table(path)
    imp.check_header(names, spec.columns, path)
    validated = imp.validate_rows(rows, spec.columns)
    async with app.uow() as uow:
        await spec.validate(uow.session, validated)
        if validated.errors and not skip_invalid:
            return None, validated.errors
        result = await spec.write(uow.session, validated, progress=progress, **spec.context(app.deps))
        await uow.commit()
    return result, validated.errors


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
