"""`partnerbot sweep`, `report` and `outbox`: the operator's view of what is due, done and waiting.

Registered on the one Typer app of `bot/cli.py`, which imports this module at its end.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli import DatabaseUrl, Debug, UsageError, _run, _settings, app, opened

LONGEST_PERIOD = dt.timedelta(days=36525)


def _parse_since(since: str) -> dt.timedelta:
    import re

    match = re.fullmatch(r"\s*([0-9]{1,9})\s*([hdw])\s*", since or "")
    if not match:
        raise UsageError(f"--since: {since!r} is not a period like 12h, 30d or 8w")
    hours = int(match[1]) * {"h": 1, "d": 24, "w": 24 * 7}[match[2]]
    if hours > LONGEST_PERIOD / dt.timedelta(hours=1):  # a report starts at now minus the period: still a date
        raise UsageError(f"--since: {since!r} is longer than 100 years")
    return dt.timedelta(hours=hours)


CHART_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def _check_chart_path(path: Path) -> None:
    """Before any work: a folder that exists and a file type the name asks for that we can write."""
    if path.suffix.lower() not in CHART_TYPES:
        raise UsageError(f"--chart: {path.name!r} must end in .png or .jpg (the file type the name says)")
    if not path.parent.is_dir():
        raise UsageError(f"--chart: the folder {str(path.parent)!r} does not exist")


def _write_chart(draw: Any, path: Path) -> None:
    """Charts draw PNG; a .jpg name gets a real JPEG (converted with Pillow, matplotlib's own dependency)."""
    if CHART_TYPES[path.suffix.lower()] == "PNG":
        draw(path)
        return
    import tempfile

    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "chart.png"
        draw(png)
        with Image.open(png) as image:
            image.convert("RGB").save(path, "JPEG", quality=90)


@app.command("report")
def report(
    kind: Annotated[str, typer.Argument(help="support | leads | onboarding | deals | notifications")],
    since: Annotated[str, typer.Option("--since", help="Period back from now: 12h, 30d, 8w.")] = "30d",
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    chart: Annotated[Path | None, typer.Option("--chart", help="Also write a bar chart PNG here.")] = None,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Analytics per partner (leads: offered, claimed, median time to claim, SLA kept, reclaims, conversion)."""

    async def go() -> None:
        from bot.capabilities import report_kinds

        kinds = report_kinds()
        if kind not in kinds:
            raise UsageError(f"report {kind}: not available yet (available: {', '.join(sorted(kinds))})")
        if fmt not in ("table", "csv", "json"):
            raise UsageError(f"--format: {fmt!r} is not one of table, csv, json")
        period = _parse_since(since)
        spec = kinds[kind]
        if chart is not None:
            _check_chart_path(chart)
        async with opened(database_url) as application:
            start = application.deps.now() - period
            async with application.uow() as uow:
                rows = await spec.rows(uow.session, start)
        if fmt == "csv":
            typer.echo(spec.as_csv(rows), nl=False)
        elif fmt == "json":
            typer.echo(spec.as_json(rows, start))
        else:
            typer.echo(f"{kind} since {start:%Y-%m-%d %H:%M} UTC")
            typer.echo(spec.as_table(rows))
        if chart is not None:
            if spec.chart is None:
                raise UsageError(f"report {kind}: no chart")
            _write_chart(lambda path: spec.chart(rows, path, f"{spec.title} since {start:%Y-%m-%d}"), chart)  # type: ignore[misc]
            typer.echo(f"chart written to {chart}", err=True)

    _run(go, debug)


def _parse_at(at: str | None, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    if not at:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(at)
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(tz))
        return value.astimezone(dt.UTC)
    except ValueError as exc:
        raise UsageError(f"--at: {at!r} is not an ISO 8601 date-time ({exc})") from None
    except OverflowError:
        raise UsageError(f"--at: {at!r} is out of range in UTC") from None


@app.command("sweep")
def sweep(
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="ISO 8601 instant (default now; no offset = program timezone). This acts on the live data as of "
            "that instant: due leads expire and move on, notifications are queued and delivered. See --dry-run.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Run the same sweeps in a transaction that is rolled back: print what would change."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Run every due job as of that instant, deliver what it queued, print counts per kind.

    With --at this changes live data: leads are expired, reassigned and reclaimed as if that instant had
    come. Instants a sweep cannot compute with (beyond the year 9989, say) are refused.
    """
    from bot.app import calendar_from
    from bot.runtime import platform_transports
    from domain.sweeps import check_instant

    async def go() -> None:
        settings = _settings(database_url)
        instant = _parse_at(at, settings.timezone)
        check_instant(instant, calendar_from(settings))
        queued: list[Any] | None = None
        async with opened(database_url) as application:
            application.deps.clock = lambda: instant
            if dry_run:
                rehearsal = await application.rehearse_sweep(instant)
                counts, queued = rehearsal.counts, rehearsal.queued
            else:
                counts = await application.sweep(instant)
                transports = await platform_transports(application)
                delivered = await application.sender(transports).drain() if transports else 0
                counts["delivered"] = delivered
        if as_json:
            out: dict[str, Any] = {"at": instant.isoformat(), "counts": counts}
            if queued is not None:
                out["dry_run"] = True
                out["would_queue"] = [
                    {"kind": p.kind, "recipient": p.recipient, "not_before": p.not_before.isoformat()} for p in queued
                ]
            typer.echo(json.dumps(out))
            return
        if queued is None:
            typer.echo(f"sweep at {instant.isoformat()}")
        else:
            typer.echo(f"dry run: sweep at {instant.isoformat()} (nothing was changed; counts are what would change)")
        for name, count in counts.items():
            typer.echo(f"  {name:<28} {count}")
        if queued is not None:
            typer.echo(f"would queue {len(queued)} notification{'' if len(queued) == 1 else 's'}")
            for p in queued:
                typer.echo(f"  {p.kind:<28} {p.recipient:<32} not before {p.not_before:%Y-%m-%d %H:%M} UTC")

    _run(go, debug)


@app.command("outbox")
def outbox_command(
    failed: Annotated[bool, typer.Option("--failed", help="Only rows parked as failed.")] = False,
    retry: Annotated[int | None, typer.Option("--retry", help="Put a failed row back in the queue.")] = None,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Show and retry undelivered notifications."""
    from domain import outbox, outbox_listing

    async def go() -> None:
        async with opened(database_url) as application:
            async with application.uow() as uow:
                if retry is not None:
                    if not await outbox.retry(uow.session, retry, application.deps.now()):
                        raise UsageError(f"no failed notification with id {retry}")
                    await uow.commit()
                    typer.echo(f"notification {retry} queued again")
                    return
                entries = await outbox_listing.list_entries(uow.session, failed_only=failed)
        if not entries:
            typer.echo("nothing undelivered" if not failed else "no failed notifications")
            return
        typer.echo(f"{'id':>6}  {'status':<8} {'tries':>5}  {'kind':<22} {'recipient':<32} error")
        for e in entries:
            said = "; ".join(part for part in (e.last_error, e.note) if part)
            typer.echo(f"{e.id:>6}  {e.status:<8} {e.attempts:>5}  {e.kind:<22} {e.recipient:<32} {said}")

    _run(go, debug)
