"""Issue 11, item 9: every bad import gets a row-numbered (or file-named) error, within limits, and writes
nothing: duplicate chat ids, dates in front matter, YAML alias bombs, huge articles, NUL bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo import demo_file

PEOPLE_HEADER = "email,name,role,partner_id,slack_user_id,telegram_user_id,timezone,language"


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _people(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _with_partners(db: list[str]) -> None:
    assert run("import", "partners", str(demo_file("partners")), *db)[0] == 0


@pytest.mark.parametrize("column", ["slack_user_id", "telegram_user_id"])
def test_item9a_the_same_chat_id_on_two_people_rows_is_refused(db: list[str], tmp_path: Path, column: str) -> None:
    _with_partners(db)
    slack, telegram = ("U0SAME", "") if column == "slack_user_id" else ("", "4242")
    rows = (
        f"ann@acme.example,Ann,partner_rep,P-ACME,{slack},{telegram},,",
        f"bob@acme.example,Bob,partner_rep,P-ACME,{slack},{telegram},,",
    )
    code, _, err = run("import", "people", str(_people(tmp_path, *rows)), *db)
    assert code == 2 and f"row 3, column {column}" in err and "first on row 2" in err and "nothing imported" in err


def test_item9a_a_chat_id_already_held_by_another_person_is_refused(db: list[str], tmp_path: Path) -> None:
    _with_partners(db)
    first = _people(tmp_path, "ann@acme.example,Ann,partner_rep,P-ACME,U0ANN,,,")
    assert run("import", "people", str(first), *db)[0] == 0
    again = _people(tmp_path, "ann@acme.example,Ann,partner_rep,P-ACME,U0ANN,,,")
    assert run("import", "people", str(again), *db)[0] == 0, "re-importing a person with their own id is fine"
    thief = _people(tmp_path, "eve@acme.example,Eve,partner_rep,P-ACME,U0ANN,,,")
    code, _, err = run("import", "people", str(thief), *db)
    assert code == 2 and "row 2, column slack_user_id: 'U0ANN' already belongs to ann@acme.example" in err


def _article(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("date", ["2026-01-01", "2026-01-01T10:00:00Z"])
def test_item9b_a_date_in_front_matter_is_kept_as_text_not_a_crash(db: list[str], tmp_path: Path, date: str) -> None:
    folder = tmp_path / "kb"
    _article(folder, "a.md", f"---\nid: dated\ntitle: Dated article\nreviewed: {date}\n---\nBody text here.\n")
    code, out, err = run("kb", "import", str(folder), *db)
    assert code == 0 and "1 new" in out, err


def test_item9c_a_yaml_alias_bomb_is_refused_naming_the_file(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    bomb = "\n".join(
        ["a: &a [x, x, x, x, x, x, x, x, x]"]
        + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    )
    _article(folder, "bomb.md", f"---\nid: bomb\ntitle: Bomb\n{bomb}\n---\nBody.\n")
    _article(folder, "small-alias.md", "---\nid: small\ntitle: Small alias\nref: &r x\nagain: *r\n---\nBody.\n")
    code, _, err = run("kb", "import", str(folder), *db)
    assert code != 0 and "bomb.md" in err and "aliases" in err and "small-alias.md" in err
    assert "Traceback" not in err


def test_item9d_an_article_over_the_size_limit_is_refused(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    _article(folder, "huge.md", "---\nid: huge\ntitle: Huge\n---\n" + "word " * 220_000)  # 1.1 MB
    _article(folder, "long-front.md", "---\nid: lf\ntitle: Long\nnote: " + "x" * 20_000 + "\n---\nBody.\n")
    code, _, err = run("kb", "import", str(folder), *db)
    assert code != 0 and "huge.md" in err and "at most" in err and "long-front.md" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("cell", ["Ann\x00Smith", "Ann\x07"])
def test_item9e_a_nul_or_control_byte_in_a_cell_is_a_row_error(db: list[str], tmp_path: Path, cell: str) -> None:
    _with_partners(db)
    path = _people(
        tmp_path, "ok@acme.example,Ok,partner_rep,P-ACME,,,,", f"ann@acme.example,{cell},partner_rep,P-ACME,,,,"
    )
    code, _, err = run("import", "people", str(path), *db)
    assert code == 2 and "row 3, column name: contains a control character" in err
    assert "Ann" not in err.replace("ann@acme", ""), "the row's data is not echoed"
    assert "nothing imported" in err
