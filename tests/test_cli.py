"""The command line as an operator uses it: imports, link codes, sweeps, the outbox, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from bot.cli import app

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo"
PARTNER_HEADER = (
    "partner_id,name,type,tier,region,country,verticals,products,cam_email,parent_partner_id,"
    "slack_channel,timezone,language,joined_on"
)


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"]


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for name in ("demo", "chat", "import", "kb", "link-code", "serve", "sweep", "outbox", "db"):
        assert name in out


def test_import_partners_and_people_then_reimport_updates_in_place(db: list[str], tmp_path: Path) -> None:
    assert run("import", "partners", str(DEMO / "partners.csv"), *db)[0] == 0
    code, out, _ = run("import", "people", str(DEMO / "people.csv"), *db)
    assert code == 0 and "13 created" in out
    changed = tmp_path / "partners.csv"
    changed.write_text((DEMO / "partners.csv").read_text().replace("Acme Cloud Resellers", "Acme Cloud GmbH"))
    code, out, _ = run("import", "partners", str(changed), *db)
    assert code == 0 and "0 created, 6 updated" in out


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(db: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "partners.csv"
    bad.write_text(
        PARTNER_HEADER
        + "\nP-1,Good Partner,reseller,gold,emea,DE,,,,,,,,2026-01-01"
        + "\nP-2,Bad Tier,reseller,diamond,emea,DE,,,,,,,,2026-01-01"
        + "\nP-3,"
        + "X" * 5000
        + ",msp,silver,emea,DE,,,,,,,,2026-02-31"
        + "\nP-1,Duplicate,si,silver,emea,DE,,,not-an-email,,,Mars/Base,xx,2026-01-01\n"
    )
    code, _, err = run("import", "partners", str(bad), *db)
    assert code == 2
    assert "row 3, column tier: 'diamond' is not one of registered, silver, gold, platinum" in err
    assert "row 4, column name: at most 200 characters" in err
    assert "row 4, column joined_on: '2026-02-31' is not a date" in err
    assert "row 5, column cam_email" in err and "row 5, column timezone" in err and "row 5, column language" in err
    assert "nothing imported" in err
    code, _, err = run("import", "people", str(DEMO / "people.csv"), *db)
    assert code == 2 and "unknown partner 'P-ACME'" in err  # proves no partner was written


def test_skip_invalid_imports_the_good_rows(db: list[str], tmp_path: Path) -> None:
    mixed = tmp_path / "partners.csv"
    mixed.write_text(PARTNER_HEADER + "\nP-1,Good,reseller,gold,emea,DE,,,,,,,,\nP-2,Bad,reseller,diamond,,,,,,,,,,\n")
    code, out, err = run("import", "partners", str(mixed), "--skip-invalid", *db)
    assert code == 0 and "1 created" in out and "1 row(s) skipped" in out and "row 3" in err


def test_broken_files_are_refused_with_a_clear_line(db: list[str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((PARTNER_HEADER + "\nP-1,Müller GmbH,reseller,gold,emea,DE,,,,,,,,\n").encode("latin-1"))
    code, _, err = run("import", "partners", str(latin1), *db)
    assert code == 2 and "not UTF-8" in err
    missing = tmp_path / "missing.csv"
    missing.write_text("partner_id,name\nP-1,X\n")
    code, _, err = run("import", "partners", str(missing), *db)
    assert code == 2 and "missing the column(s): type, tier" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run("import", "partners", str(empty), *db)[0] == 2
    assert run("import", "partners", str(tmp_path / "nope.csv"), *db)[0] == 2
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(PARTNER_HEADER + "\nP-1,Good,reseller,gold,emea,DE,,,,,,,,,extra,cells\n")
    code, _, err = run("import", "partners", str(ragged), *db)
    assert code == 2 and "more cell(s) than the header" in err


def test_xlsx_import_reads_the_first_sheet(db: list[str], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(PARTNER_HEADER.split(","))
    sheet.append(
        ["P-X", "Excel Partner", "msp", "platinum", "apac", "JP", "finance;retail", "", "", "", "", "", "ja", None]
    )
    path = tmp_path / "partners.xlsx"
    book.save(path)
    code, out, _ = run("import", "partners", str(path), *db)
    assert code == 0 and "1 created" in out


def test_link_code_prints_a_code_and_the_deep_link(db: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run("import", "partners", str(DEMO / "partners.csv"), *db)
    run("import", "people", str(DEMO / "people.csv"), *db)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "acme_partner_bot")
    code, out, _ = run("link-code", "ana@acme.example", *db)
    lines = out.splitlines()
    assert code == 0
    assert f"https://t.me/acme_partner_bot?start={lines[0]}" in out
    code, _, err = run("link-code", "nobody@example.com", *db)
    assert code == 2 and "nobody@example.com" in err


def test_invalid_setting_stops_with_one_line_naming_it(db: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERBOT_TIMEZONE", "Mars/Olympus")
    code, _, err = run("db", "upgrade", *db)
    assert code == 2
    assert err.strip().count("\n") == 0 and "PARTNERBOT_TIMEZONE" in err
    monkeypatch.delenv("PARTNERBOT_TIMEZONE")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    code, _, err = run("db", "upgrade", *db)
    assert code == 2 and "SLACK_SIGNING_SECRET" in err and "xoxb-1" not in err


def test_sweep_at_an_instant_prints_counts_and_sends_nothing_twice(db: list[str]) -> None:
    run("import", "partners", str(DEMO / "partners.csv"), *db)
    run("import", "people", str(DEMO / "people.csv"), *db)
    run("link-code", "ana@acme.example", *db)
    code, out, _ = run("sweep", "--at", "2099-01-05T10:00:00+00:00", "--json", *db)
    first = json.loads(out)
    assert code == 0 and first["counts"]["link_reminders"] == 1 and first["counts"]["link_codes_expired"] == 1
    second = json.loads(run("sweep", "--at", "2099-01-05T10:00:00+00:00", "--json", *db)[1])
    assert second["counts"]["link_reminders"] == 0 and second["counts"]["link_codes_expired"] == 0
    assert run("sweep", "--at", "31/02/2026", *db)[0] == 2


def test_outbox_lists_and_retries(db: list[str]) -> None:
    assert run("outbox", *db)[1].strip() == "nothing undelivered"
    code, _, err = run("outbox", "--retry", "42", *db)
    assert code == 2 and "no failed notification with id 42" in err


def test_chat_is_scriptable_through_stdin(db: list[str]) -> None:
    run("import", "partners", str(DEMO / "partners.csv"), *db)
    run("import", "people", str(DEMO / "people.csv"), *db)
    code, out, _ = run("chat", "--as", "ben@globex.example", *db, input="/help\n/settings\n/setings\n")
    assert code == 0
    assert "> /help" in out and "What you can do" in out and "Your settings" in out and "Did you mean /settings?" in out
    assert run("chat", "--as", "ghost@example.com", *db, input="/help\n")[0] == 2


def test_demo_loads_once_and_opens_the_chat(db: list[str]) -> None:
    code, out, err = run("demo", *db, input="/help\n")
    assert code == 0 and "demo program loaded" in err and "What you can do" in out
    code, out, err = run("demo", *db, input="/settings\n")
    assert code == 0 and "demo program loaded" not in err and "Europe/Berlin" in out


def test_kb_search_json_lines_from_stdin(db: list[str]) -> None:
    articles = Path(__file__).resolve().parent.parent / "knowledge_base" / "articles"
    code, out, _ = run("kb", "import", str(articles), *db)
    assert code == 0 and "new" in out
    code, out, _ = run("kb", "search", "-", "--json", *db, input="how do i regster a deal\n\nweather in paris\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["query"] for line in lines] == ["how do i regster a deal", "", "weather in paris"]
    assert lines[0]["results"][0]["id"] == "register-a-deal"
    assert lines[1]["results"] == [] and lines[2]["results"] == []
    assert run("kb", "search", "x", "--lang", "klingon", *db)[0] == 2


@pytest.mark.slow
def test_kb_search_answers_with_the_sentence_model_warm(db: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """What an operator evaluating the search gets: the model's answers, not the first seconds'."""
    monkeypatch.setenv("PARTNERBOT_KB_SENTENCE_MODEL", "true")
    articles = Path(__file__).resolve().parent.parent / "knowledge_base" / "articles"
    assert run("kb", "import", str(articles), *db)[0] == 0
    code, out, _ = run("kb", "search", "-", "--json", *db, input="how do i regster a deal\nweather in paris\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and lines[0]["results"][0]["id"] == "register-a-deal" and lines[1]["results"] == []
