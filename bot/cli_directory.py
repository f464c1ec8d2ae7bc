"""`partnerbot partners list` and `partnerbot people list [--partner ID]`: who is in the program.

Registered on the `partners` and `people` sub-apps of `bot/cli.py`, which imports this module at its
end. The formats are the reports' (`--format table|csv|json`, domain.reporting).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.cli import DatabaseUrl, Debug, UsageError, _run, opened, partners_app, people_app

FORMATS = ("table", "csv", "json")
Format = Annotated[str, typer.Option("--format", help="table, csv or json.")]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format: {fmt!r} is not one of table, csv, json")


def _print(formats: Any, rows: list[Any], fmt: str) -> None:
    if fmt == "csv":
        typer.echo(formats.as_csv(rows), nl=False)
    elif fmt == "json":
        typer.echo(formats.as_json(rows, None))
    else:
        typer.echo(formats.as_table(rows))


@partners_app.command("list")
def partners_list(fmt: Format = "table", database_url: DatabaseUrl = None, debug: Debug = False) -> None:
    """Every partner: id, name, type, tier, region, CAM, joined date, people and how many have linked a chat."""
    from domain import directory_listing

    async def go() -> None:
        _check_format(fmt)
        async with opened(database_url) as application:
            rows = await directory_listing.partners(application.uow)
        _print(directory_listing.PARTNER_FORMATS, rows, fmt)

    _run(go, debug)


@people_app.command("list")
def people_list(
    partner: Annotated[str | None, typer.Option("--partner", help="Only this partner's people (P-ACME).")] = None,
    fmt: Format = "table",
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Everyone: email, name, role, partner, language, timezone, where they linked a chat, whether pushes reach
    them ("not reachable yet": an imported account that has never written to the bot)."""
    from domain import directory_listing

    async def go() -> None:
        _check_format(fmt)
        async with opened(database_url) as application:
            try:
                rows = await directory_listing.people(application.uow, partner=partner)
            except directory_listing.UnknownPartner:
                raise UsageError(f"--partner: there is no partner {partner!r}") from None
        _print(directory_listing.PEOPLE_FORMATS, rows, fmt)

    _run(go, debug)
