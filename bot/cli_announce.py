"""`partnerbot announce FILE [--segment KEY=VALUE,…] [--dry-run] [--again]` (CONTRACT.md §3).

Registered on the one Typer app of `bot/cli.py`, which imports this module at its end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import DatabaseUrl, Debug, _run, app, opened

SHOWN = 20


@app.command("announce")
def announce(
    file: Annotated[
        Path, typer.Argument(help="Markdown; FILE.de.md, FILE.ja.md, FILE.pt_BR.md are its other languages.")
    ],
    segment: Annotated[str, typer.Option("--segment", help="tier=gold,region=emea,type=msp,language=de")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print who would get it; send nothing.")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Send a file already announced to this segment once more.")
    ] = False,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Send a program announcement to the partner users of a segment, each in their language."""

    async def go() -> None:
        from domain.health import announcements as ann

        bodies = ann.load_bodies(file)
        chosen = ann.parse_segment(segment)
        async with opened(database_url) as application:
            language = application.settings.language
            if dry_run:
                async with application.uow.reader() as uow:
                    planned = await ann.plan(uow.session, bodies, chosen, language)
                _print_plan(planned, dry=True)
                return
            now = application.deps.now()
            async with application.uow() as uow:
                queued, planned = await ann.announce(
                    uow.session, str(file), bodies, chosen, again=again, default_language=language, now=now
                )
                await uow.commit()
            _print_plan(planned, dry=False)
            await application.sender().drain()
            async with application.uow.reader() as uow:
                statuses = await ann.delivery(uow.session, now)
            said = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
            typer.echo(f"queued {queued}: {said} (the rest go out as quiet hours and the platforms' limits allow)")

    _run(go, debug)


def _print_plan(planned: object, *, dry: bool) -> None:
    from domain.health.announcements import Plan

    assert isinstance(planned, Plan)
    verb = "would reach" if dry else "reaches"
    typer.echo(f"announcement {verb} {len(planned.recipients)} people")
    typer.echo("  by platform: " + ", ".join(f"{k} {v}" for k, v in sorted(planned.by_platform.items())))
    typer.echo("  by language: " + ", ".join(f"{k} {v}" for k, v in sorted(planned.by_language.items())))
    if dry:
        for r in planned.recipients[:SHOWN]:
            typer.echo(f"  {r.email}  {r.partner}  {r.language}  {r.platform}")
        if len(planned.recipients) > SHOWN:
            typer.echo(f"  … and {len(planned.recipients) - SHOWN} more")
