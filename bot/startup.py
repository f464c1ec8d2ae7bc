"""What `serve` says when it starts: which parts run and which do not, and why.

An operator reads this once, on a Monday, to see that the deployment does what they meant: each
platform on or off (and the missing variable when off), webhook or polling, the scheduler and the
sender, the database and how pushes are paced across processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import App
from bot.config import without_password


@dataclass(frozen=True)
class Running:
    """The parts `serve` was asked to run."""

    scheduler: bool
    sender: bool
    telegram_polling: bool


def _database(app: App) -> str:
    url = app.settings.database_url
    if app.engine.dialect.name == "sqlite":
        return f"SQLite ({url.split(':///', 1)[-1]}), one process; pushes paced in this process"
    return (
        f"PostgreSQL ({without_password(url)}), up to {app.settings.database_pool_size} connections in this "
        "process; pushes paced across processes through the database"
    )


def _slack(app: App) -> tuple[str, str | None]:
    settings = app.settings
    if not settings.slack_enabled:
        return "Slack: off (SLACK_BOT_TOKEN is not set)", None
    from bot.slack.endpoint import PATH

    channels = [
        f"{name} {value}"
        for name, value in (
            ("CAM channel", settings.slack_cam_channel),
            ("support channel", settings.slack_support_channel),
            ("escalation channel", settings.slack_escalation_channel),
        )
        if value
    ]
    line = f"Slack: on, events at {PATH}, command {settings.slack_command}"
    if channels:
        line += "; " + ", ".join(channels)
    return line, None


def _telegram(app: App, running: Running) -> tuple[str, str | None]:
    settings = app.settings
    if not settings.telegram_enabled:
        return "Telegram: off (TELEGRAM_BOT_TOKEN is not set)", None
    if running.telegram_polling:
        return "Telegram: on, polling with getUpdates (one process of the installation polls at a time)", None
    from bot.telegram.webhook import PATH

    if settings.telegram_webhook_secret is None:
        return (
            f"Telegram: on, webhook at {PATH}",
            "TELEGRAM_WEBHOOK_SECRET is not set, so the Telegram webhook refuses every request "
            "(set it, or run with --telegram-polling)",
        )
    return f"Telegram: on, webhook at {PATH}", None


def summary(app: App, running: Running) -> tuple[list[str], list[str]]:
    """Lines to print, and warnings an operator should act on."""
    settings = app.settings
    slack, slack_warning = _slack(app)
    telegram, telegram_warning = _telegram(app, running)
    lines = [
        f"partnerbot serving on http://{settings.host}:{settings.port} (/healthz, /metrics)",
        f"database: {_database(app)}",
        slack,
        telegram,
        "scheduler: on (sweeps every minute)" if running.scheduler else "scheduler: off (--no-scheduler)",
        "sender: on (delivers notifications)" if running.sender else "sender: off (--no-sender)",
    ]
    if not settings.slack_enabled and not settings.telegram_enabled:
        lines.append("no messenger is on: set SLACK_BOT_TOKEN or TELEGRAM_BOT_TOKEN (see .env.example)")
    warnings = [w for w in (slack_warning, telegram_warning) if w]
    return lines, warnings
