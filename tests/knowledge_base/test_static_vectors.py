"""The committed static vectors are what ``scripts/distill_word_vectors.py`` makes from the model package."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.semantic import VECTORS_PATH, WordVectors

ROOT = Path(__file__).resolve().parents[2]
SUMS = VECTORS_PATH.parent / "SHA256SUMS"


def recorded(name: str) -> str:
    sums = dict(reversed(line.split(maxsplit=1)) for line in SUMS.read_text().splitlines() if line.strip())
    return sums[name]


def test_the_committed_vectors_match_the_recorded_hash() -> None:
    assert hashlib.sha256(VECTORS_PATH.read_bytes()).hexdigest() == recorded(VECTORS_PATH.name)
    vectors = WordVectors.load()
    assert vectors.dim == 256


def test_the_vectors_file_loads_as_a_plain_npz() -> None:
    with np.load(VECTORS_PATH, allow_pickle=False) as data:
        assert sorted(data.files) == ["tokens", "vectors"]
        assert data["vectors"].dtype == np.float16 and data["vectors"].shape == (len(data["tokens"]), 256)


@pytest.mark.slow
def test_the_script_rebuilds_the_committed_file_bit_for_bit(tmp_path: Path) -> None:
    """The distillation from the installed package (~2-4 min on two cores)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "distill_word_vectors.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    rebuilt = tmp_path / VECTORS_PATH.name
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == recorded(VECTORS_PATH.name)
