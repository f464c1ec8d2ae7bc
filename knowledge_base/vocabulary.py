"""Per-word fuzzy matching of query terms against the corpus vocabulary.

Why per word and not per document: comparing a query with every article (rapidfuzz over
bodies) costs ~1.4 s at 100,000 articles; the vocabulary grows much slower than the corpus, and
a query has a handful of words, so correcting words first and then using the inverted index
keeps both the typo tolerance and the speed.  Results are cached per term (queries repeat).

A query term expands to
* itself, weight 1, when the corpus has it;
* corpus terms within a Damerau (OSA) edit distance of 1 (terms of 4-5 letters) or 2 (6+
  letters), weight ``1 - EDIT_PENALTY * edits`` -- but for a term the corpus knows, only
  neighbours ``TYPO_DF_RATIO`` times more frequent than itself ("card" must not also match
  "hard"; a one-off misspelling inside an article is still corrected);
* corpus terms that extend it or that it extends, sharing a stem of at least 5 letters
  (verifi / verification), weight ``PREFIX_WEIGHT``: derivations the light stemmer leaves.
Terms of 3 letters or fewer are matched exactly only: one edit there makes a different word.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

EDIT_PENALTY = 0.15
PREFIX_WEIGHT = 0.7
MIN_PREFIX = 5
MAX_EXPANSIONS = 8
# A known term is only "corrected" to neighbours this many times more frequent than itself:
# "card" must not also mean "hard", but a one-off misspelling inside an article is a typo.
TYPO_DF_RATIO = 10
CACHE_SIZE = 50_000


class Vocabulary:
    """The set of index terms, bucketed by length for fast edit-distance lookups."""

    def __init__(self, doc_freq: Mapping[str, int]) -> None:
        self._df = doc_freq
        self._set = frozenset(doc_freq)
        self._sorted = sorted(self._set)
        by_len: dict[int, list[str]] = {}
        for t in self._sorted:
            by_len.setdefault(len(t), []).append(t)
        self._by_len = by_len
        # A plain dict, not functools.lru_cache on a bound method: that would make a reference
        # cycle, and SearchIndex.build freezes the GC, so a replaced index would never be freed.
        self._cache: dict[str, list[tuple[str, float]]] = {}

    def __contains__(self, term: str) -> bool:
        return term in self._set

    def __len__(self) -> int:
        return len(self._set)

    def expand(self, term: str) -> list[tuple[str, float]]:
        """[(corpus term, weight 0-1)], best first; empty when nothing is close.  Cached."""
        found = self._cache.get(term)
        if found is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            found = self._cache[term] = self._expand(term)
        return found

    def _expand(self, term: str) -> list[tuple[str, float]]:
        found: dict[str, float] = {}
        df = self._df.get(term, 0)
        if df:
            found[term] = 1.0
        n = len(term)
        if n >= 4 and term.isalpha():
            max_edits = 1 if n <= 5 else 2
            for length in range(max(4, n - max_edits), n + max_edits + 1):
                bucket = self._by_len.get(length)
                if not bucket:
                    continue
                for cand, dist, _ in process.extract(
                    term, bucket, scorer=OSA.distance, score_cutoff=max_edits, limit=None
                ):
                    if cand != term and self._df[cand] >= TYPO_DF_RATIO * df:
                        found[cand] = max(found.get(cand, 0.0), 1.0 - EDIT_PENALTY * dist)
            if n >= MIN_PREFIX:
                for cand in self._relatives(term):
                    found[cand] = max(found.get(cand, 0.0), PREFIX_WEIGHT)
        best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
        return best[:MAX_EXPANSIONS]

    def _relatives(self, term: str) -> list[str]:
        """Corpus terms sharing a >= MIN_PREFIX-letter stem with ``term`` (one extends the other)."""
        out = [term[:k] for k in range(MIN_PREFIX, len(term)) if term[:k] in self._set]
        i = bisect.bisect_right(self._sorted, term)
        while i < len(self._sorted) and self._sorted[i].startswith(term) and len(out) < 16:
            if len(self._sorted[i]) - len(term) <= 6:
                out.append(self._sorted[i])
            i += 1
        return out
