"""No module one cannot hold in one's head: at most 400 lines in bot/, handlers/, domain/, knowledge_base/.

A capability that grows past it splits into a package (see handlers/leads/), as ARCHITECTURE.md shows.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400


def test_no_module_is_over_400_lines() -> None:
    too_big = {
        str(path.relative_to(ROOT)): lines
        for package in ("bot", "handlers", "domain", "knowledge_base")
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert too_big == {}
