"""The `partnerbot` command line (CONTRACT.md §3).

Exit status: 0 success, 2 invalid input or usage, 1 anything else; errors are one line on stderr, with
a traceback only under `--debug`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bot.config import Settings, SettingsError, load_settings

T = TypeVar("T")
logger = logging.getLogger("partnerbot")

app = typer.Typer(
    help="partnerbot: a channel-partner program in Slack, Telegram and the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import program data from CSV or XLSX (header row; see the README).", no_args_is_help=True
)
kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
partners_app = typer.Typer(help="The program's partners.", no_args_is_help=True)
people_app = typer.Typer(help="Partner users and vendor staff.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(kb_app, name="kb")
app.add_typer(partners_app, name="partners")
app.add_typer(people_app, name="people")

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy async URL (overrides PARTNERBOT_DATABASE_URL).")
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


class UsageError(Exception):
    """Invalid input from the operator: exit status 2."""


_state: dict[str, Any] = {"database_url": None, "debug": False}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"partnerbot {version('partnerbot')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("partnerbot (not installed)")
        raise typer.Exit(0)


Version = Annotated[
    bool, typer.Option("--version", help="Print the installed version.", callback=_version, is_eager=True)
]


@app.callback()
def main_options(database_url: DatabaseUrl = None, debug: Debug = False, show_version: Version = False) -> None:
    _state["database_url"] = database_url
    _state["debug"] = debug


def _settings(database_url: str | None) -> Settings:
    url = database_url or _state["database_url"]
    return load_settings(**({"database_url": url} if url else {}))


def _run(make: Callable[[], Awaitable[T]], debug: bool = False) -> T:
    """Run one async command, mapping failures to the contract's exit statuses."""
    from domain.errors import UserFacingError
    from domain.importing import ImportFileError
    from handlers.errors import error_reply
    from knowledge_base.articles import ArticleError, ArticleErrors

    debug = debug or _state["debug"]
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except SettingsError as exc:
        typer.echo(f"partnerbot: {exc}", err=True)
        raise typer.Exit(2) from None
    except (UsageError, ImportFileError, ArticleError) as exc:
        typer.echo(f"partnerbot: {exc}", err=True)
        raise typer.Exit(2) from None
    except ArticleErrors as exc:
        typer.echo(f"partnerbot: {exc}", err=True)
        raise typer.Exit(2) from None
    except UserFacingError as exc:
        typer.echo(f"partnerbot: {error_reply(exc)}", err=True)
        raise typer.Exit(2) from None
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        typer.echo(f"partnerbot: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None


async def _first_contact(application: Any, url: str) -> None:
    """Migrate, turning "the database cannot be reached" into one line an operator can act on."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from bot.config import without_password

    try:
        await application.migrate()
    except (OSError, DBAPIError) as exc:  # refused, unknown host, no such database, wrong password, no folder
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        hint = " (is the server running, and the URL right?)" if isinstance(exc, (OSError, OperationalError)) else ""
        raise UsageError(f"cannot use the database at {without_password(url)}: {reason}{hint}") from None


@asynccontextmanager
async def opened(database_url: str | None) -> AsyncIterator[Any]:
    """The application on a migrated database, closed again however the command ends."""
    from bot.app import build_app
    from bot.logs import configure_logging
    from domain.i18n import set_language

    settings = _settings(database_url)
    configure_logging(settings.log_format, debug=_state["debug"])
    logging.getLogger().setLevel(logging.WARNING if not _state["debug"] else logging.DEBUG)
    application = build_app(settings)
    try:
        await _first_contact(application, settings.database_url)
        set_language(settings.language)
        yield application
    finally:
        await application.close()


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None, debug: Debug = False) -> None:
    """Apply the database migrations up to the newest."""

    async def go() -> None:
        async with opened(database_url):
            typer.echo("database is up to date")

    _run(go, debug)


def _import(kind: str, file: Path, skip_invalid: bool, database_url: str | None, debug: bool) -> None:
    from bot.importer import run_import

    async def go() -> None:
        async with opened(database_url) as application:
            code = await run_import(application, kind, file, skip_invalid=skip_invalid)
        if code:
            raise typer.Exit(code)

    _run(go, debug)


File = Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX file.")]
SkipInvalid = Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows and list the bad ones.")]


def _import_command(kind: str) -> Callable[..., None]:
    def command(
        file: File, skip_invalid: SkipInvalid = False, database_url: DatabaseUrl = None, debug: Debug = False
    ) -> None:
        _import(kind, file, skip_invalid, database_url, debug)

    return command


def _register_import_kinds() -> None:
    """`partnerbot import KIND FILE` for every import kind a capability declares."""
    from bot.capabilities import import_kinds

    for kind, spec in import_kinds().items():
        import_app.command(kind, help=spec.help)(_import_command(kind))


_register_import_kinds()


@app.command("link-code")
def link_code(email: str, database_url: DatabaseUrl = None, debug: Debug = False) -> None:
    """Print a one-time link code (valid 7 days) and the Telegram deep link for that person."""
    from bot.telegram.requests import start_link
    from domain import linking

    async def go() -> None:
        async with opened(database_url) as application:
            async with application.uow() as uow:
                issued = await linking.issue_code(uow.session, email, application.deps.now())
                await uow.commit()
        typer.echo(issued.code)
        link = start_link(application.settings.telegram_bot_username, issued.code)
        typer.echo(f"code for {issued.person_name}, valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC")
        if link:
            typer.echo(link)
        typer.echo(f"in chat: /start {issued.code}")

    _run(go, debug)


@app.command("chat")
def chat(
    as_: Annotated[str, typer.Option("--as", help="Email of the person to chat as.")],
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """The conversation in the terminal; reads one message a line when stdin is not a terminal."""
    from bot.console import run_chat

    async def go() -> None:
        async with opened(database_url) as application:
            await run_chat(application, as_)

    _run(go, debug)


@app.command("demo")
def demo(
    reset: Annotated[bool, typer.Option("--reset", help="Delete the demo database first.")] = False,
    as_: Annotated[str | None, typer.Option("--as", help="Chat as this person instead.")] = None,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Migrate, load the demo program into an empty database, and open the chat as a demo partner."""
    from bot.console import run_chat
    from bot.demo import DEMO_PARTNER_EMAIL, load_demo, reset_database

    async def go() -> None:
        settings = _settings(database_url)
        if reset:
            reset_database(settings.database_url)
        async with opened(database_url) as application:
            loaded = await load_demo(application, on_console=as_ or DEMO_PARTNER_EMAIL)
            if loaded:
                typer.echo(loaded, err=True)
            await run_chat(application, as_ or DEMO_PARTNER_EMAIL)

    _run(go, debug)


@app.command("serve")
def serve(
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Do not run the sweep ticker.")] = False,
    no_sender: Annotated[bool, typer.Option("--no-sender", help="Do not deliver notifications.")] = False,
    telegram_polling: Annotated[
        bool, typer.Option("--telegram-polling", help="Take Telegram updates by getUpdates.")
    ] = False,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """HTTP server (Slack, Telegram, health, metrics), scheduler ticker and notification sender."""
    from bot.runtime import serve_forever

    async def go() -> None:
        async with opened(database_url) as application:
            logging.getLogger().setLevel(logging.DEBUG if _state["debug"] else logging.INFO)
            await serve_forever(
                application, scheduler=not no_scheduler, sender=not no_sender, telegram_polling=telegram_polling
            )

    _run(go, debug)


# The operator commands live in their own modules and register on `app` (or its sub-apps) when imported.
from bot import cli_announce, cli_directory, cli_kb, cli_operations  # noqa: E402, F401


def main() -> None:
    app()
