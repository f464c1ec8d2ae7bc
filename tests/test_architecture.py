"""Imports point one way (STYLE.md §1): bot → handlers → domain; only adapters touch a chat SDK."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAT_SDKS = ("slack_sdk", "slack_bolt", "telegram", "aiohttp")


def imported_modules(package: str) -> list[tuple[Path, str]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path, node.module))
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imported_modules(package)
        if name.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("domain", ("bot", "handlers", *CHAT_SDKS)),
        ("knowledge_base", ("bot", "handlers", "domain", *CHAT_SDKS)),
        ("handlers", ("bot", *CHAT_SDKS)),
    ],
)
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(package, forbidden) == []


def test_only_the_adapters_import_a_chat_sdk() -> None:
    allowed = ("bot/slack", "bot/telegram")
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imported_modules("bot")
        if name.split(".")[0] in ("slack_sdk", "slack_bolt", "telegram")
        and not str(path.relative_to(ROOT)).startswith(allowed)
    ]
    assert wrong == []


PLATFORM_WORDS = ("slack", "telegram", "t.me", "console", "block kit", "mrkdwn")


def test_no_module_in_the_domain_names_a_platform() -> None:
    """Platforms are opaque names the adapters give (handlers.messengers); the domain never says one."""
    named = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in (ROOT / "domain").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line.lower() for word in PLATFORM_WORDS)
    ]
    assert named == []


WRITES = ("uow()", "uow.reader()", ".commit()", "engine.begin()", "uow.session")


@pytest.mark.parametrize("where", ["handlers", "bot/slack", "bot/telegram", "bot/console.py"])
def test_handlers_and_adapters_never_open_a_transaction(where: str) -> None:
    """Domain services own their units of work (domain.db.transactional / read_only)."""
    paths = [ROOT / where] if where.endswith(".py") else list((ROOT / where).rglob("*.py"))
    opened = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(marker in line for marker in WRITES)
    ]
    assert opened == []
