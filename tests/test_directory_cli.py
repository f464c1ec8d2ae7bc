"""`partnerbot partners list` and `partnerbot people list` (issue 17, item 9): who is in the program,
in the reports' formats."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app, opened
from domain.people import attach_identity, by_email

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo"


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'directory.db'}"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def program(db: list[str], tmp_path: Path) -> list[str]:
    """The demo partners and people; Ana has linked a chat, Ben's account id came with the file only."""
    people = (DEMO / "people.csv").read_text()
    people = people.replace(
        "ben@globex.example,Ben Carter,partner_rep,P-GLOBEX,,,",
        "ben@globex.example,Ben Carter,partner_rep,P-GLOBEX,,4242,",
    )
    (tmp_path / "people.csv").write_text(people)
    assert run("import", "partners", str(DEMO / "partners.csv"), *db)[0] == 0
    assert run("import", "people", str(tmp_path / "people.csv"), *db)[0] == 0

    async def link_ana() -> None:
        async with opened(db[1]) as application:
            async with application.uow() as uow:
                ana = await by_email(uow.session, "ana@acme.example")
                assert ana is not None
                await attach_identity(
                    uow.session,
                    ana,
                    platform="telegram",
                    user_id="77",
                    chat_id="77",
                    username=None,
                    now=application.deps.now(),
                )
                await uow.commit()

    asyncio.run(link_ana())
    return db


def test_partners_list_as_a_table(program: list[str]) -> None:
    code, out, _ = run("partners", "list", *program)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "partner",
        "name",
        "type",
        "tier",
        "region",
        "CAM",
        "joined",
        "people",
        "linked",
    ]
    acme = next(line for line in lines if line.startswith("P-ACME"))
    assert "Acme Cloud Resellers" in acme and "carla.cam@vendor.example" in acme and "2026-03-02" in acme
    assert acme.split()[-2:] == ["2", "1"]  # Ana and Arno; Ana has linked a chat
    assert len(lines) == 1 + 6


def test_partners_list_as_json_and_csv(program: list[str]) -> None:
    code, out, _ = run("partners", "list", "--format", "json", *program)
    report = json.loads(out)
    assert code == 0 and report["report"] == "partners"
    by_id = {p["partner_id"]: p for p in report["partners"]}
    assert set(by_id) == {"P-ACME", "P-GLOBEX", "P-INITECH", "P-UMBRELLA", "P-HOOLI", "P-KAIJU"}
    assert by_id["P-HOOLI"] == {
        "partner_id": "P-HOOLI",
        "name": "Hooli Referral Partners",
        "type": "referral",
        "tier": "registered",
        "region": "latam",
        "cam_email": "diego.cam@vendor.example",
        "people": 1,
        "linked": 0,
        "joined_on": "2026-07-01",
    }
    code, out, _ = run("partners", "list", "--format", "csv", *program)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6 and rows[0]["partner_id"] == "P-ACME" and rows[0]["people"] == "2"


def test_people_list_shows_who_is_reachable(program: list[str]) -> None:
    code, out, _ = run("people", "list", "--format", "json", *program)
    people = {p["email"]: p for p in json.loads(out)["people"]}
    assert code == 0 and len(people) == 13
    assert people["ana@acme.example"] == {
        "email": "ana@acme.example",
        "name": "Ana Schmidt",
        "role": "partner_rep",
        "partner_id": "P-ACME",
        "language": "en",
        "timezone": "Europe/Berlin",
        "platforms": "telegram",
        "reach": "reachable",
    }
    assert people["ben@globex.example"]["reach"] == "not reachable yet (telegram)"
    assert people["ben@globex.example"]["platforms"] is None
    assert (
        people["root@vendor.example"]["reach"] == "not linked" and people["root@vendor.example"]["partner_id"] is None
    )
    code, out, _ = run("people", "list", *program)
    ben = next(line for line in out.splitlines() if line.startswith("ben@"))
    assert code == 0 and "not reachable yet (telegram)" in ben and "P-GLOBEX" in ben


def test_people_list_for_one_partner(program: list[str]) -> None:
    code, out, _ = run("people", "list", "--partner", "P-ACME", "--format", "json", *program)
    assert code == 0 and [p["email"] for p in json.loads(out)["people"]] == ["ana@acme.example", "arno@acme.example"]
    code, out, _ = run("people", "list", "--partner", "P-ACME", "--format", "csv", *program)
    assert code == 0 and out.splitlines()[0].startswith("email,name,role,partner_id") and len(out.splitlines()) == 3


def test_bad_options_exit_2_with_one_line(program: list[str]) -> None:
    code, out, err = run("people", "list", "--partner", "P-NOPE", *program)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "P-NOPE" in err and out == ""
    code, _, err = run("partners", "list", "--format", "xml", *program)
    assert code == 2 and err.strip() == "partnerbot: --format: 'xml' is not one of table, csv, json"
    code, _, err = run("people", "list", "--format", "yaml", *program)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_an_empty_program_lists_nothing(db: list[str]) -> None:
    code, out, _ = run("partners", "list", *db)
    assert code == 0 and out.splitlines()[-1] == "no partners"
    code, out, _ = run("people", "list", "--format", "json", *db)
    assert code == 0 and json.loads(out)["people"] == []
