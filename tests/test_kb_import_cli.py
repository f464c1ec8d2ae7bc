"""`partnerbot kb import DIR` shows what it will add, change and remove, and removes nothing unasked
(issue 17, item 9): `--dry-run`, `--yes`, `--keep-missing`, and a refusal without a terminal."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli_kb
from bot.cli import app, opened
from domain.kb import KnowledgeBase
from domain.kb.sync import ImportPlanChanged


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kb.db"


@pytest.fixture
def db(db_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{db_path}"]


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, article_id: str, title: str, body: str = "Body text.", *, language: str = "en") -> None:
    folder.mkdir(exist_ok=True)
    name = f"{article_id}.{language}.md"
    (folder / name).write_text(f"---\nid: {article_id}\ntitle: {title}\nlanguage: {language}\n---\n{body}\n")


def articles(db_path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(id, language) -> (title, body) of every article in the database."""
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT article_id, language, title, body FROM kb_articles").fetchall()
    return {(a, lang): (title, body) for a, lang, title, body in rows}


@pytest.fixture
def imported(db: list[str], db_path: Path, tmp_path: Path) -> Path:
    """Three articles imported; returns their folder."""
    folder = tmp_path / "kb"
    write(folder, "alpha", "Alpha")
    write(folder, "beta", "Beta")
    write(folder, "gamma", "Gamma")
    code, out, err = run("kb", "import", str(folder), *db)
    assert code == 0, err
    assert "3 to add, 0 to change, 0 to remove, 0 unchanged" in out and "articles: 3 new" in out
    return folder


def test_the_plan_names_what_is_added_changed_and_removed(db: list[str], imported: Path) -> None:
    write(imported, "delta", "Delta")
    write(imported, "beta", "Beta", "A new body.")
    (imported / "gamma.en.md").unlink()
    code, out, _ = run("kb", "import", str(imported), "--dry-run", *db)
    assert code == 0
    assert "1 to add, 1 to change, 1 to remove, 1 unchanged" in out
    assert "add:\n  delta  en  Delta\n" in out
    assert "change:\n  beta  en  Beta  (body)\n" in out  # what differs, not only that something does
    assert "remove (no longer in the folder):\n  gamma  en  Gamma\n" in out


def test_dry_run_changes_nothing(db: list[str], db_path: Path, imported: Path) -> None:
    before = articles(db_path)
    write(imported, "delta", "Delta")
    write(imported, "alpha", "Alpha renamed")
    (imported / "beta.en.md").unlink()
    code, out, _ = run("kb", "import", str(imported), "--dry-run", *db)
    assert code == 0 and "dry run: nothing changed" in out and "articles:" not in out
    assert articles(db_path) == before


def test_removing_without_yes_and_without_a_terminal_is_refused_and_changes_nothing(
    db: list[str], db_path: Path, imported: Path
) -> None:
    before = articles(db_path)
    write(imported, "delta", "Delta")  # an add alongside: all or nothing, so not this either
    (imported / "gamma.en.md").unlink()
    code, out, err = run("kb", "import", str(imported), *db)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--yes" in lines[0] and "--keep-missing" in lines[0] and "1 article" in lines[0]
    assert "gamma" in out  # the plan was shown first
    assert articles(db_path) == before


def test_yes_removes(db: list[str], db_path: Path, imported: Path) -> None:
    (imported / "gamma.en.md").unlink()
    code, out, _ = run("kb", "import", str(imported), "--yes", *db)
    assert code == 0 and "articles: 0 new, 0 updated, 2 unchanged, 1 removed" in out
    assert set(articles(db_path)) == {("alpha", "en"), ("beta", "en")}


def test_keep_missing_imports_the_rest_and_removes_nothing(db: list[str], db_path: Path, imported: Path) -> None:
    (imported / "gamma.en.md").unlink()
    write(imported, "delta", "Delta")
    code, out, _ = run("kb", "import", str(imported), "--keep-missing", *db)
    assert code == 0 and "1 to keep although not in the folder" in out and "keep (--keep-missing):" in out
    assert "articles: 1 new, 0 updated, 2 unchanged, 0 removed" in out
    assert set(articles(db_path)) == {("alpha", "en"), ("beta", "en"), ("gamma", "en"), ("delta", "en")}


def test_a_changed_article_is_detected_and_updated(db: list[str], db_path: Path, imported: Path) -> None:
    write(imported, "alpha", "Alpha, better said", "Clearer words.")
    code, out, _ = run("kb", "import", str(imported), *db)  # nothing to remove: no question asked
    assert code == 0 and "change:\n  alpha  en  Alpha, better said  (title, body)" in out
    assert "articles: 0 new, 1 updated, 2 unchanged, 0 removed" in out
    assert articles(db_path)[("alpha", "en")] == ("Alpha, better said", "Clearer words.")
    code, out, _ = run("kb", "import", str(imported), *db)
    assert code == 0 and "0 to add, 0 to change, 0 to remove, 3 unchanged" in out


def test_at_a_terminal_the_removal_is_asked_and_no_changes_nothing(
    db: list[str], db_path: Path, imported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_kb, "_can_ask", lambda: True)
    before = articles(db_path)
    (imported / "gamma.en.md").unlink()
    code, out, err = run("kb", "import", str(imported), *db, input="n\n")
    assert code == 1 and "Remove 1 article?" in out and "nothing changed" in err
    assert articles(db_path) == before
    code, out, _ = run("kb", "import", str(imported), *db, input="y\n")
    assert code == 0 and "1 removed" in out and ("gamma", "en") not in articles(db_path)


def test_the_plan_lists_a_bounded_number_of_articles(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for n in range(cli_kb.SHOWN + 7):
        write(folder, f"a{n:02d}", f"Article {n}")
    code, out, _ = run("kb", "import", str(folder), "--dry-run", *db)
    assert code == 0 and f"{cli_kb.SHOWN + 7} to add" in out and "… and 7 more" in out
    assert out.count("  a") == cli_kb.SHOWN


def test_a_plan_overtaken_by_another_import_writes_nothing(db: list[str], db_path: Path, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    write(ours, "alpha", "Alpha")
    write(theirs, "beta", "Beta")

    async def race() -> None:
        async with opened(db[1]) as application:
            kb = application.deps.services[KnowledgeBase]
            plan = await kb.plan_import(ours)
            await kb.import_dir(theirs, now=application.deps.now())
            with pytest.raises(ImportPlanChanged):
                await kb.apply_import(plan, now=application.deps.now())

    asyncio.run(race())
    assert set(articles(db_path)) == {("beta", "en")}


def test_the_running_search_index_follows_an_applied_plan(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "alpha", "Register a deal", "Open the portal and register the deal before the first meeting.")
    write(folder, "gamma", "Renew a certification", "Certifications last a year; renew them in the academy.")

    async def go() -> None:
        async with opened(db[1]) as application:
            kb = application.deps.services[KnowledgeBase]
            await kb.apply_import(await kb.plan_import(folder), now=application.deps.now())
            found = await kb.search("renew my certification", language="en", record=False)
            assert found.hits and found.hits[0].id == "gamma"
            (folder / "gamma.en.md").unlink()
            plan = await kb.plan_import(folder)
            assert [a.article_id for a in plan.removed] == ["gamma"]
            await kb.apply_import(plan, now=application.deps.now())
            found = await kb.search("renew my certification", language="en", record=False)
            assert "gamma" not in [hit.id for hit in found.hits]

    asyncio.run(go())
