"""`partnerbot import KIND FILE`: read, validate every row, report, then write in batches.

Every row is validated first (one read transaction); a file with a bad row writes nothing unless
`--skip-invalid`. The valid rows are then written `ImportKind.batch` at a time, each batch its own short
transaction, and the importer yields between them: on SQLite a long import would otherwise hold the one
write lock for minutes and every webhook would answer 503 until it ended. If the database fails in the
middle, the batches already written stay; the error names how many rows were written.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from rich.progress import Progress

from bot.app import App
from bot.capabilities import import_kinds
from domain import importing as imp

BATCH_PAUSE = 0.1
"""Seconds between batches on SQLite: longer than the longest step of SQLite's busy wait (100 ms), so a
writer in another process that waits for the lock gets it (40 batches of 500 rows: 4 s in all)."""


NOTES_SHOWN = 20


async def import_file(
    app: App,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    batch: int | None = None,
) -> tuple[imp.ImportResult | None, list[imp.RowError]]:
    """Validate and, when allowed, write. Returns (result or None when nothing was written, errors)."""
    spec = import_kinds(app.capabilities)[kind]
    names, rows = imp.read_table(path)
    imp.check_header(names, spec.columns, path)
    validated = imp.validate_rows(rows, spec.columns)
    async with app.uow() as uow:
        await spec.validate(uow.session, validated, **spec.validate_context(app.deps))
    validated.errors.sort(key=lambda error: error.row)  # as a spreadsheet reads: top to bottom
    if validated.errors and not skip_invalid:
        return None, validated.errors
    bad = {error.row for error in validated.errors}
    good = [(number, row) for number, row in validated.rows if number not in bad]
    if total is not None:
        total(len(good))
    size = batch or spec.batch or max(1, len(good))
    pause = BATCH_PAUSE if app.settings.database_url.startswith("sqlite") else 0.0
    result = imp.ImportResult(skipped=list(validated.errors))
    for start in range(0, max(1, len(good)), size):
        batch = imp.Validated(rows=good[start : start + size])
        async with app.uow() as uow:
            done = await spec.write(uow.session, batch, progress=progress, **spec.context(app.deps))
            await uow.commit()
        result.created += done.created
        result.updated += done.updated
        result.notes.extend(done.notes)
        await asyncio.sleep(pause)  # a webhook waiting for SQLite's write lock takes it now
    return result, validated.errors


async def run_import(app: App, kind: str, path: Path, *, skip_invalid: bool) -> int:
    """The CLI side: progress bar on a terminal, plain lines otherwise; returns the exit status."""
    out = sys.stdout
    if out.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task(f"importing {kind}", total=None)
            result, errors = await import_file(
                app,
                kind,
                path,
                skip_invalid=skip_invalid,
                progress=lambda n: bar.advance(task, n),
                total=lambda n: bar.update(task, total=n),
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
    for note in result.notes[:NOTES_SHOWN]:
        print(f"  {note}")
    if len(result.notes) > NOTES_SHOWN:
        nobody = sum("nobody eligible" in note for note in result.notes[NOTES_SHOWN:])
        print(f"  … and {len(result.notes) - NOTES_SHOWN} more ({nobody} of them found nobody)")
    return 0
