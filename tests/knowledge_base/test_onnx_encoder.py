"""onnxruntime runs the sentence model on the shared cache file and gives the numpy encoder's vectors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import knowledge_base.encoder as encoder_module
from knowledge_base import model_files
from knowledge_base.encoder import SentenceEncoder
from knowledge_base.onnx_encoder import OnnxEncoder, graph_file

TEXTS = [
    "my card has not arrived",
    "How do I change the PIN of my card?",
    "",
    "café naïve résumé 😀 £1",
    "lorem ipsum " * 200,
    "Registrierung eines Deals?",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> model_files.ModelFiles:
    return model_files.load(tmp_path_factory.mktemp("model-cache"))


def test_onnxruntime_and_numpy_give_the_same_vectors(files: model_files.ModelFiles) -> None:
    ours = OnnxEncoder(files).encode(TEXTS)
    reference = SentenceEncoder(files.tokens, files.weights).encode(TEXTS)
    np.testing.assert_allclose(np.sum(ours * reference, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_onnxruntime_maps_the_cache_file_and_the_graph_is_written_once(files: model_files.ModelFiles) -> None:
    assert files.path is not None
    OnnxEncoder(files)
    path = graph_file(files)
    first = path.stat()
    OnnxEncoder(files).encode(["card not arrived"])
    assert path.stat().st_ino == first.st_ino and path.stat().st_mtime_ns == first.st_mtime_ns
    assert path.stat().st_size < 100_000  # references into the weights file, not a copy of them
    assert str(files.path) in Path("/proc/self/maps").read_text()


def test_a_damaged_graph_file_is_rewritten(files: model_files.ModelFiles) -> None:
    path = graph_file(files)
    path.write_bytes(b"not a graph")
    assert OnnxEncoder(files).encode(["card not arrived"]).shape == (1, 384)
    assert path.read_bytes() != b"not a graph"


def test_the_shipped_encoder_is_onnxruntime_and_numpy_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder_module.shipped_encoder.cache_clear()
    try:
        assert isinstance(encoder_module.shipped_encoder(), OnnxEncoder)
        encoder_module.shipped_encoder.cache_clear()
        monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
        fallback = encoder_module.shipped_encoder()
        assert type(fallback) is SentenceEncoder
        assert fallback.encode(["card not arrived"]).shape == (1, 384)
    finally:
        encoder_module.shipped_encoder.cache_clear()
