"""STYLE §11: domain/ and handlers/ type-check under `mypy --strict` (settings in pyproject.toml [tool.mypy])."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_domain_and_handlers_pass_mypy_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (dev extra: pip install -e '.[dev]')")
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = api.run(["--strict", "domain", "handlers"])
    assert status == 0, f"mypy --strict domain handlers failed:\n{stdout}{stderr}"
