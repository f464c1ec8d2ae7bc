"""Word meaning for the knowledge-base search: static word vectors distilled from a sentence model.

Why: after typo correction, what the lexical search still misses is vocabulary mismatch -- "card
not arrived" against "my card has not come yet", "atm ate my card" against "swallowed".  A
sentence-embedding model knows those are close, but running one over every article costs hours
at 100,000 articles and pulls in torch.  So we ship what ``scripts/distill_word_vectors.py``
distils from all-MiniLM-L6-v2 (Apache-2.0): one 256-dimension vector per WordPiece token (the
Model2Vec recipe), 16 MB of float16 in ``data/``, rebuilt bit for bit by the script and checked by
hash (``data/SHA256SUMS``).  A text's vector is the weighted sum of its words' vectors; a word's
vector the mean of its pieces.  Nothing is downloaded, ever.

Figures (kb-eval dev set, top-3 %): these vectors alone score clean 81 / terse 78.5 -- below the
lexical engine -- but they fail on different queries: fused into the re-rank (``search.py``)
they move terse 81.4 -> 83.7, typo2 85.9 -> 86.6 and end-to-end @3 80.3 -> 83.4.  The model
itself (``encoder.py``) does better still, but only for knowledge bases small enough to encode
every sentence; these vectors keep a 100,000-article one answering in milliseconds.

The vectors are English-only in any useful sense (an uncased English vocabulary), so the search
uses them for English articles only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge_base.tokenize import STOP_WORDS

VECTORS_PATH = Path(__file__).parent / "data" / "minilm-static-256.npz"
# Stop words carry a little meaning ("not", kept out of STOP_WORDS, carries a lot): on the dev
# set 0 / 0.2 / 0.5 gave top-3 within half a point of each other; 0.2 was best on end-to-end.
STOP_WEIGHT = 0.2
# WordPiece gives up on longer "words" (BERT's own limit): they are pasted junk, not vocabulary.
MAX_WORD_CHARS = 100
WORD_CACHE_SIZE = 50_000  # ~10 MB

Vector = npt.NDArray[np.float32]


class WordPiece:
    """BERT's uncased WordPiece, for one word at a time (``tokenize.words`` already split the text)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self._ids = {t: i for i, t in enumerate(tokens)}
        self._unknown = self._ids["[UNK]"]

    def id(self, token: str) -> int:
        return self._ids[token]

    def pieces(self, word: str) -> list[int]:
        """Greedy longest-match-first token ids; ``[UNK]`` when the word cannot be covered."""
        if not word.isascii():  # BERT uncased strips accents: café -> cafe
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        if not word or len(word) > MAX_WORD_CHARS:
            return [self._unknown]
        out: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self._ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self._unknown]
            out.append(found)
            start = end
        return out


class WordVectors:
    """The distilled table: a vector per word, and unit vectors for texts."""

    def __init__(self, tokens: Sequence[str], vectors: npt.NDArray[np.floating]) -> None:
        self._pieces = WordPiece(tokens)
        self._table = vectors.astype(np.float32)
        self.dim = int(self._table.shape[1])
        self._entries: dict[str, tuple[tuple[int, ...], float]] = {}

    @classmethod
    def load(cls, path: Path = VECTORS_PATH) -> WordVectors:
        with np.load(path, allow_pickle=False) as data:
            return cls([str(t) for t in data["tokens"]], data["vectors"])

    def text(self, words: Sequence[str]) -> Vector:
        """Unit vector of a short text given as words; zeros when it has none."""
        return self.texts([words])[0]

    def texts(self, texts: Sequence[Sequence[str]]) -> npt.NDArray[np.float32]:
        """Unit vectors of several texts (rows) in one gather and one ``reduceat``.

        This builds the vector of every sentence of every article, 100,000 articles in the scale
        test, so the per-word work is two list extensions from a cache.
        """
        ids: list[int] = []
        weights: list[float] = []
        starts: list[int] = []
        for text in texts:
            starts.append(len(ids))
            for w in text:
                pieces, share = self._entry(w)
                ids += pieces
                weights += [share] * len(pieces)
        out = np.zeros((len(texts), self.dim), np.float32)
        if not ids:
            return out
        rows = np.asarray(weights, np.float32)[:, None] * self._table[ids]
        filled = [i for i, text in enumerate(texts) if text]
        out[filled] = np.add.reduceat(rows, [starts[i] for i in filled], axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)

    def _entry(self, word: str) -> tuple[tuple[int, ...], float]:
        """The word's piece ids and the weight of each piece (stop words ``STOP_WEIGHT``, shared
        by its pieces, so a word counts once however it is split).  Cached: words recur."""
        found = self._entries.get(word)
        if found is None:
            if len(self._entries) >= WORD_CACHE_SIZE:
                self._entries.clear()
            pieces = self._pieces.pieces(word)
            share = (STOP_WEIGHT if word in STOP_WORDS else 1.0) / len(pieces)
            found = self._entries[word] = (tuple(pieces), share)
        return found


def unit(vec: Vector) -> Vector:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


@cache
def shipped_vectors() -> WordVectors:
    """The table in ``data/``, loaded once per process (~0.3 s, ~31 MB as float32)."""
    return WordVectors.load()
