"""An operator's first mistakes each get one clear line and exit status 2, no traceback (issue 17, item 8):
a PostgreSQL URL without the async driver, a database that cannot be reached or does not exist, a chart
into a folder that is not there or of a type its name does not say, a bad setting value."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import app


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres@127.0.0.1/test", "use postgresql+asyncpg://postgres@127.0.0.1/test"),
        ("postgres://ops:s3cret@db.internal/prm", "use postgresql+asyncpg://ops:***@db.internal/prm"),
        ("sqlite:///partnerbot.db", "use sqlite+aiosqlite:///"),
        ("mysql://x", "use postgresql+asyncpg://USER@HOST/DB or sqlite+aiosqlite:///FILE"),
        ("sqlite+aiosqlite:////nonexistent/folder/x.db", "cannot use the database at"),
        (
            "postgresql+asyncpg://postgres:pw@127.0.0.1:1/test",
            "cannot use the database at postgresql+asyncpg://postgres:***@",
        ),
    ],
)
def test_a_database_url_mistake_is_one_line_with_the_fix(url: str, said: str) -> None:
    code, err = run("db", "upgrade", "--database-url", url)
    assert code == 2 and said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "s3cret" not in err and ":pw@" not in err  # a password is never printed


def test_a_bad_setting_value_names_the_variable() -> None:
    code, err = run("db", "upgrade", "--database-url", "sqlite+aiosqlite://", env={"PARTNERBOT_PORT": "eighty"})
    assert code == 2 and err.startswith("partnerbot: PARTNERBOT_PORT:") and "Traceback" not in err


def test_charts_go_where_the_name_says_as_the_type_it_says(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"]
    code, err = run("report", "leads", "--chart", str(tmp_path / "missing" / "c.png"), *db)
    assert code == 2 and "the folder" in err and "does not exist" in err
    code, err = run("report", "leads", "--chart", str(tmp_path / "c.gif"), *db)
    assert code == 2 and "must end in .png or .jpg" in err
    code, _err = run("report", "leads", "--chart", str(tmp_path / "c.jpg"), *db)
    assert code == 0
    with Image.open(tmp_path / "c.jpg") as image:
        assert image.format == "JPEG"
    assert run("report", "leads", "--chart", str(tmp_path / "c.png"), *db)[0] == 0
    with Image.open(tmp_path / "c.png") as image:
        assert image.format == "PNG"


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("partnerbot ")


def test_an_empty_token_in_the_environment_means_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.env` copied from `.env.example` with `SLACK_BOT_TOKEN=` left blank must not switch Slack on."""
    from bot.config import load_settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    settings = load_settings()
    assert not settings.slack_enabled and not settings.telegram_enabled
