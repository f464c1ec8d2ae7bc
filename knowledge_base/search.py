"""Knowledge-base search: typo-tolerant, field-weighted, with a calibrated "no article" answer.

Pipeline for one query, and why each step is there (figures: kb-eval dev set, 107 articles,
1,827 queries; ``benchmarks/kb_eval.py`` reproduces them):

1. ``tokenize.terms``: normalise, split, light stemming.  Stop words are kept for ranking
   (dropping them cost 3-4 points of top-3) but not counted for the confidence.
2. ``vocabulary.Vocabulary.expand``: each query word maps to itself and, when unknown to the
   corpus, to corpus words within 1-2 Damerau edits (plus prefix relatives).  Typos are most of
   the dev set; FTS5 porter, exact words only, loses 17-25 points of top-3 on them.
3. BM25F over an inverted index (title and aliases x3, tags x1.5, body x1) whose postings are
   ``array`` columns of precomputed saturated weights; very common words are only scored on
   the best few hundred candidates.  This prefilter is what keeps 100,000 articles at a few ms
   per query instead of FTS5 trigram's hundreds of ms.
4. Meaning (``semantic.py``): the question and every English article get a vector from static
   word vectors distilled from a sentence model, typos corrected first.  The
   ``SEMANTIC_CANDIDATES`` articles closest in meaning join the BM25 candidates (one matrix
   product), so an article that shares no word with the question can still be found.
5. Re-rank of the best ``RERANK_DEPTH`` plus those: BM25 share + ``FUZZY_WEIGHT`` x the best
   rapidfuzz similarity of the question with one sentence (``sentences.py``) +
   ``SEMANTIC_WEIGHT`` x the cosine in meaning.  Top-3 over all in-scope queries: BM25 alone
   82.1 %, with the fuzzy re-rank 84.4 %, with the word vectors too 85.8 % (terse 81.4 ->
   83.7 %; FTS5 trigram 72.7 %, porter 70.0 %).  Once ``encode_sentences`` (or
   ``use_sentence_model``) gave the index the sentence model (``encoder.py``), its cosine with
   the closest sentence replaces the word vectors' at ``CONTEXT_WEIGHT``: 89.5 % (terse 87.9 %).
   The model reads the question with the words it does not know replaced by their corrections
   (typo1 90.7 -> 92.3 %, typo2 89.2 -> 90.5 %).
6. Confidence 0-100 = mean of four shares: the content-word IDF mass the article matches
   (unknown words like "laundry" weigh as the rarest word), the best sentence similarity, the
   BM25 share and the cosine in meaning.  End-to-end @3 with the first three 80.2 %, with the
   word vectors 83.4 %, with the sentence model 87.6 %.  Below ``no_answer_threshold`` (one
   calibrated value per kind of meaning) the answer is "no article".

What is left: meaning even the sentence model misses in three-word questions ("two weeks
transaction 00 not"), and typos it cannot read (terse_typo 84.4 %, the weakest kind).
"""

from __future__ import annotations

import gc
import heapq
import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge_base.articles import Article
from knowledge_base.encoder import SentenceEncoder
from knowledge_base.semantic import WordVectors, shipped_vectors, unit
from knowledge_base.sentences import (
    MIN_SNIPPET_CHARS,
    Sentence,
    article_sentences,
    best_similarity,
    flatten,
    one_line,
    sentences,
    similarity,
)
from knowledge_base.tokenize import is_content, normalize, stem, substitute_words, terms, words
from knowledge_base.vocabulary import Vocabulary

# A question none of whose content words is in the corpus, or one edit from a corpus word, is out of
# scope whatever its stop words match ("what is the weather in paris" is not "whether"). On the dev
# set (2 folds by query id): out-of-scope rejection 74.5 → 75.9 % and 83.0 → 83.0 %, end-to-end
# 79.1 → 79.2 % and 81.5 → 81.5 %: it never hurt, and it stops stop words from carrying an answer.
CLOSE_MATCH = 0.85
# BM25F parameters (standard k1/b; the field weights were chosen on the dev set among 1/2/3/4).
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
TAG_WEIGHT = 1.5
BODY_WEIGHT = 1.0
RERANK_DEPTH = 30
# Two-phase scoring of very common terms, see SearchIndex._accumulate.
COMMON_SHARE = 0.05
COMMON_MIN_DF = 1000
PREFILTER_DEPTH = 300
SENTENCE_CACHE_DOCS = 20_000  # ~10 MB: every article of a normal KB, the hot ones of a huge one
SENTENCE_VECTOR_CACHE_DOCS = 2_000  # ~20 MB of float32 sentence vectors
FUZZY_WEIGHT = 0.5
# Meaning (semantic.py): weight of the question/article cosine in the re-rank, the share of it
# that comes from the whole article rather than its closest sentence, and how many articles
# closest in meaning join the lexical candidates.  Chosen on the dev set among 0.5/0.7/1.0/1.5,
# 0/0.3/0.5 and 10/30: higher weights trade clean and typo2 for terse.
SEMANTIC_WEIGHT = 0.5
WHOLE_ARTICLE_SHARE = 0.3
SEMANTIC_CANDIDATES = 10
# The sentence model (encoder.py), once ``encode_sentences`` ran: its cosine (question vs the
# closest sentence) replaces the static one, at this weight (dev set, among 0.5/1.0/1.5).  A
# knowledge base with more English sentences than this is not encoded (~10 ms a sentence: ten
# thousand take two minutes of one core) and keeps the static vectors alone.
CONTEXT_WEIGHT = 1.0
MAX_ENCODED_SENTENCES = 10_000
# Queries are cut to this many characters (at a word boundary) and this many distinct terms:
# a pasted log or e-mail is not a question, and the cost must stay bounded.
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 32

# "No article" threshold on the 0-100 confidence of the best hit (mean of: share of the query's
# content-word IDF mass the article matches, best sentence similarity, BM25 share of all query
# terms, closeness in meaning).  Fixed once on kb-eval/dev.jsonl by sweeping whole values:
# end-to-end @3 is flat at 83.3-83.5 % from 35 to 38; 37 answers 95.6 % of in-scope queries
# (5 points of head-room over the 90 % goal for unseen queries) and rejects 80.4 % of
# out-of-scope ones.  Re-check with benchmarks/kb_eval.py after any change to the scoring.
NO_ANSWER_THRESHOLD = 37.0
# The same with the sentence model: flat at 87.6 % from 32 to 34; 34 answers 96.3 % of in-scope
# queries and rejects 87.1 % of out-of-scope ones.
CONTEXT_NO_ANSWER_THRESHOLD = 34.0
# Lower-ranked hits are still shown when they reach this share of the best hit's confidence.
RELATED_SHARE = 0.5


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: float
    snippet: str
    language: str


def _base_language(language: str) -> str:
    return language.replace("-", "_").split("_", 1)[0].lower()


class SearchIndex:
    """An immutable in-memory index over a set of articles (all languages and audiences)."""

    def __init__(self) -> None:
        self._docs: list[Article] = []
        self._postings: dict[str, tuple[array, array]] = {}
        self._idf: dict[str, float] = {}
        self._vocab = Vocabulary({})
        self._unseen_idf = 1.0
        self._eligible_cache: dict[tuple[str, frozenset[str]], bytearray] = {}
        self._sentence_cache: dict[int, list[Sentence]] = {}
        self._vectors = WordVectors(["[UNK]"], np.zeros((1, 1), np.float32))
        self._doc_vectors: npt.NDArray[np.float32] = np.zeros((0, 1), np.float32)
        self._sentence_vectors: dict[int, npt.NDArray[np.float32]] = {}
        self._surface: dict[str, str] = {}  # term -> a word of the corpus it stems from
        self._encoder: SentenceEncoder | None = None
        self._encoded: dict[int, npt.NDArray[np.float32]] = {}

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, articles: Iterable[Article], vectors: WordVectors | None = None) -> SearchIndex:
        """Index ``articles``; ``vectors`` defaults to the shipped table (tests pass a small one)."""
        self = cls()
        self._vectors = vectors if vectors is not None else shipped_vectors()
        articles = list(articles)
        # Filled row by row: a list of 100,000 small arrays stacked at the end would leave
        # ~100 MB of freed fragments in the process.
        self._doc_vectors = np.zeros((len(articles), self._vectors.dim), np.float32)
        title_terms: list[dict[str, int]] = []
        body_terms: list[dict[str, int]] = []
        tag_terms: list[dict[str, int]] = []
        for i, art in enumerate(articles):
            self._docs.append(art)
            head = [words(t) for t in (art.title, *art.aliases)]
            body = [words(t) for t in sentences(art)]
            title_terms.append(self._term_counts(head))
            tag_terms.append(_counts(terms(" ".join(art.tags))))
            body_terms.append(self._term_counts(body))
            if art.language == "en":  # the vectors are English; other languages keep zeros
                self._doc_vectors[i] = self._doc_vector(head + body)
        n = len(self._docs)
        avg_title = max(1.0, sum(sum(c.values()) for c in title_terms) / max(1, n))
        avg_body = max(1.0, sum(sum(c.values()) for c in body_terms) / max(1, n))
        postings: dict[str, tuple[array, array]] = {}
        for i in range(n):
            tt, bb, gg = title_terms[i], body_terms[i], tag_terms[i]
            title_terms[i] = body_terms[i] = tag_terms[i] = {}  # free as we go (peak memory)
            norm_t = 1 - B + B * sum(tt.values()) / avg_title
            norm_b = 1 - B + B * sum(bb.values()) / avg_body
            for term in tt.keys() | bb.keys() | gg.keys():
                tf = (
                    TITLE_WEIGHT * tt.get(term, 0) / norm_t
                    + BODY_WEIGHT * bb.get(term, 0) / norm_b
                    + TAG_WEIGHT * gg.get(term, 0)
                )
                entry = postings.get(term)
                if entry is None:
                    entry = postings[term] = (array("i"), array("f"))
                entry[0].append(i)
                entry[1].append(tf / (K1 + tf))
        self._postings = postings
        doc_freq = {term: len(docs) for term, (docs, _) in postings.items()}
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in doc_freq.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocab = Vocabulary(doc_freq)
        # The index is long-lived and holds millions of small objects at 100k articles; without
        # this, CPython's cyclic GC re-walks them all during later queries (measured: 80-250 ms
        # p99 spikes at 30k-100k articles).  Frozen objects are still freed by refcounting (the
        # index holds no reference cycles); collecting first keeps garbage out of the freeze.
        gc.collect()
        gc.freeze()
        return self

    def __len__(self) -> int:
        return len(self._docs)

    # ----------------------------------------------------------------- search
    def search(
        self,
        query: str,
        *,
        language: str = "en",
        top: int = 3,
        audiences: frozenset[str] = frozenset({"partner"}),
    ) -> list[Hit]:
        """Best articles for ``query`` (at most ``top``), or ``[]`` when none is good enough."""
        scored = self.rank(query, language=language, audiences=audiences, depth=max(top, 1))
        if not scored or scored[0][0] < self.no_answer_threshold:
            return []
        best = shown = scored[0][0]
        hits = []
        for conf, art, snippet in scored[:top]:
            if conf < best * RELATED_SHARE:
                break
            # Order is the ranking's; the shown score never rises down the list (a lower-ranked
            # article can have a higher raw confidence, which would only confuse a reader).
            shown = min(shown, conf)
            hits.append(Hit(art.id, art.title, round(shown, 1), snippet, art.language))
        return hits

    @property
    def no_answer_threshold(self) -> float:
        """Confidence below which the best hit is "no article" (calibrated per kind of meaning)."""
        return NO_ANSWER_THRESHOLD if self._encoder is None else CONTEXT_NO_ANSWER_THRESHOLD

    @property
    def understands_sentences(self) -> bool:
        """True once ``encode_sentences`` gave the index the sentence model."""
        return self._encoder is not None

    def encode_sentences(self, encoder: SentenceEncoder) -> bool:
        """Encode every English article sentence with the sentence model, then use it for meaning.

        Slow (~10 ms a sentence): call it off the event loop, after ``build``; searches meanwhile
        use the static vectors.  False, and nothing changes, past ``MAX_ENCODED_SENTENCES``.
        The bot itself keeps the vectors in the database (``domain/kb.py``) and uses
        ``sentences_to_encode`` and ``use_sentence_model`` instead.
        """
        texts = self.sentences_to_encode()
        if texts is None:
            return False
        self.use_sentence_model(encoder, dict(zip(texts, encoder.encode(texts), strict=True)))
        return True

    def sentences_to_encode(self) -> list[str] | None:
        """The distinct sentences of the English articles, or None past ``MAX_ENCODED_SENTENCES``."""
        found: dict[str, None] = {}
        count = 0
        for d, art in enumerate(self._docs):
            if art.language == "en":
                for sentence in self._sentences(d):
                    found.setdefault(sentence.text, None)
                    count += 1
                if count > MAX_ENCODED_SENTENCES:
                    return None
        return list(found)

    def use_sentence_model(self, encoder: SentenceEncoder, vectors: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Switch meaning to the sentence model, given the vector of every ``sentences_to_encode``."""
        encoded = {
            d: np.stack([vectors[s.text] for s in self._sentences(d)]).astype(np.float32)
            for d, art in enumerate(self._docs)
            if art.language == "en"
        }
        self._encoded = encoded
        self._encoder = encoder  # last: a search sees the model only with every sentence encoded

    def rank(
        self,
        query: str,
        *,
        language: str = "en",
        audiences: frozenset[str] = frozenset({"partner"}),
        depth: int = 3,
    ) -> list[tuple[float, Article, str]]:
        """(confidence 0-100, doc, snippet), best first, without the no-answer cut-off."""
        text = _cut(normalize(query or ""))
        qterms = self._query_terms(text)
        if not qterms or not self._docs:
            return []
        expansions = [self._vocab.expand(t) for t in qterms]
        content = [is_content(t) for t in qterms]
        if any(content) and not any(
            c and e and e[0][1] >= CLOSE_MATCH for e, c in zip(expansions, content, strict=True)
        ):
            return []  # not one content word is in the corpus or a single edit away: out of scope
        # IDF mass of the content words: an unknown word weighs as much as the rarest known one.
        mass = sum(self._idf[e[0][0]] if e else self._unseen_idf for e, c in zip(expansions, content, strict=True) if c)
        eligible = self._eligible(language, audiences)
        acc, acc_content = self._accumulate(expansions, content, eligible)
        corrections = self._corrections(qterms, expansions, text)
        meaning = self._query_vector(text, corrections)
        cands = dict(heapq.nlargest(RERANK_DEPTH, acc.items(), key=lambda kv: kv[1]))
        for d in self._nearest(meaning, eligible):
            cands.setdefault(d, 0.0)
        if not cands:
            return []
        full_mass = sum(self._idf[e[0][0]] if e else self._unseen_idf for e in expansions)
        flat = flatten(query[:MAX_QUERY_CHARS])
        out = []
        encoder = self._encoder
        understood = None
        if encoder is not None:  # the model reads the question with its typos corrected
            # Only words the model does not know: "stolen" is not a typo of "stole" to it.
            fixes = {w: c for w, c in corrections.items() if not encoder.knows(w)}
            understood = encoder.encode_query(substitute_words(text, fixes))
        weight = SEMANTIC_WEIGHT if understood is None else CONTEXT_WEIGHT
        for d, s in cands.items():
            fuzzy = best_similarity(self._sentences(d), flat)
            if self._docs[d].language != "en":
                sem = fuzzy  # no meaning for other languages: their wording stands in for it
            elif understood is not None:
                sem = float((self._encoded[d] @ understood).max())
            else:
                sem = self._closeness(d, meaning)
            coverage = acc_content.get(d, 0.0) / mass if mass else 0.0
            rank_score = s / full_mass + FUZZY_WEIGHT * fuzzy + weight * sem
            conf = 100.0 * (min(1.0, coverage) + fuzzy + s / full_mass + max(0.0, sem)) / 4
            out.append((rank_score, conf, d))
        out.sort(key=lambda x: -x[0])
        return [(conf, self._docs[d], self._snippet(d, expansions, flat)) for _, conf, d in out[:depth]]

    def _accumulate(
        self, expansions: list[list[tuple[str, float]]], content: list[bool], eligible: bytearray
    ) -> tuple[dict[int, float], dict[int, float]]:
        """BM25F sums per eligible doc: all terms (ranking) and content terms (confidence).

        Terms in more than ``COMMON_SHARE`` of the articles ("my", "card") have posting lists as
        long as the corpus and contribute little per article, so they are only added to the
        ``PREFILTER_DEPTH`` best documents found through the rarer terms (one binary search per
        document): at 100,000 articles this turns a 100k-iteration loop per common word into a
        few thousand lookups, and changes nothing on a small corpus (no term is that common
        when the query has any rarer term).
        """
        n = len(self._docs)
        groups = []
        for exp, is_c in zip(expansions, content, strict=True):
            if exp:
                size = sum(len(self._postings[t][0]) for t, _ in exp)
                groups.append((size, exp, is_c))
        groups.sort(key=lambda g: g[0])
        limit = max(COMMON_MIN_DF, COMMON_SHARE * n)
        rare = [g for i, g in enumerate(groups) if i == 0 or g[0] <= limit]
        common = [g for i, g in enumerate(groups) if i > 0 and g[0] > limit]
        acc: dict[int, float] = {}
        acc_content: dict[int, float] = {}
        for _, exp, is_c in rare:
            best: dict[int, float] = {}
            for term, weight in exp:
                w = weight * self._idf[term]
                docs, imps = self._postings[term]
                for d, imp in zip(docs, imps, strict=True):
                    v = w * imp
                    if v > best.get(d, 0.0) and eligible[d]:
                        best[d] = v
            for d, v in best.items():
                acc[d] = acc.get(d, 0.0) + v
                if is_c:
                    acc_content[d] = acc_content.get(d, 0.0) + v
        if common:
            if len(acc) > PREFILTER_DEPTH:
                acc = dict(heapq.nlargest(PREFILTER_DEPTH, acc.items(), key=lambda kv: kv[1]))
            for _, exp, is_c in common:
                best = {}
                for term, weight in exp:
                    w = weight * self._idf[term]
                    docs, imps = self._postings[term]
                    n_docs = len(docs)
                    for d in acc:
                        i = bisect_left(docs, d)
                        if i < n_docs and docs[i] == d and w * imps[i] > best.get(d, 0.0):
                            best[d] = w * imps[i]
                for d, v in best.items():
                    acc[d] += v
                    if is_c:
                        acc_content[d] = acc_content.get(d, 0.0) + v
        return acc, acc_content

    # ---------------------------------------------------------------- meaning
    def _term_counts(self, texts: list[list[str]]) -> dict[str, int]:
        """Term counts of texts given as words, remembering a surface word for each new term."""
        out: dict[str, int] = {}
        for text in texts:
            for w in text:
                t = stem(w)
                out[t] = out.get(t, 0) + 1
                if t not in self._surface:
                    self._surface[t] = w
        return out

    def _doc_vector(self, texts: list[list[str]]) -> npt.NDArray[np.float32]:
        """What the article is about: the mean of its sentences' unit vectors.

        Each sentence counts once however long it is, so the five example questions of an
        article outweigh its one long answer paragraph (dev set: +0.6 terse, +1.4 typo2 over
        one bag of all its words).
        """
        return unit(self._vectors.texts(texts).sum(0))

    def _corrections(self, qterms: list[str], expansions: list[list[tuple[str, float]]], text: str) -> dict[str, str]:
        """Misspelled word of the question -> the corpus word its best expansion stems from."""
        best = {t: e[0][0] for t, e in zip(qterms, expansions, strict=True) if e}
        out: dict[str, str] = {}
        for w in words(text):
            t = stem(w)
            if t not in self._vocab and (fix := best.get(t)) and fix in self._surface:
                out[w] = self._surface[fix]
        return out

    def _query_vector(self, text: str, corrections: dict[str, str]) -> npt.NDArray[np.float32]:
        """The question's meaning, with each misspelled word replaced by its correction first.

        A typo's own WordPiece vector is noise ("arived" -> "ar", "##ived"), so an unknown word
        takes the vector of the corpus word its best expansion stems from; a word with no
        correction keeps its own vector (it may still mean something: "laundry").
        """
        return self._vectors.text([corrections.get(w, w) for w in words(text)])

    def _nearest(self, meaning: npt.NDArray[np.float32], eligible: bytearray) -> list[int]:
        """The ``SEMANTIC_CANDIDATES`` eligible articles closest in meaning (one matrix product).

        They join the lexical candidates, so an article that shares no word with the question
        can still be found ("ordered card week ago" -> "When will my card arrive?").
        """
        if not len(self._doc_vectors) or not meaning.any():
            return []
        sims = self._doc_vectors @ meaning
        sims[np.frombuffer(eligible, dtype=np.uint8) == 0] = -1.0
        k = min(SEMANTIC_CANDIDATES, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        return [int(d) for d in top if sims[d] > 0]

    def _closeness(self, doc: int, meaning: npt.NDArray[np.float32]) -> float:
        """Cosine of the question with the article: its closest sentence, blended with the whole."""
        found = self._sentence_vectors.get(doc)
        if found is None:
            if len(self._sentence_vectors) >= SENTENCE_VECTOR_CACHE_DOCS:
                self._sentence_vectors.clear()
            found = self._sentence_vectors[doc] = self._vectors.texts([words(s.text) for s in self._sentences(doc)])
        best_sentence = float((found @ meaning).max())
        return (1 - WHOLE_ARTICLE_SHARE) * best_sentence + WHOLE_ARTICLE_SHARE * float(self._doc_vectors[doc] @ meaning)

    # ---------------------------------------------------------------- helpers
    def _query_terms(self, text: str) -> list[str]:
        """Distinct terms of the question (``normalize``d and cut), the most specific if too many."""
        seen: dict[str, None] = {}
        for t in terms(text):
            seen.setdefault(t, None)
        qterms = list(seen)
        if len(qterms) > MAX_QUERY_TERMS:  # keep the most specific words of a long paste
            qterms = sorted(qterms, key=lambda t: -self._idf.get(t, self._unseen_idf))[:MAX_QUERY_TERMS]
        return qterms

    def _sentences(self, doc: int) -> list[Sentence]:
        """``article_sentences`` of a doc, cached: re-ranking compares every query with them."""
        found = self._sentence_cache.get(doc)
        if found is None:
            if len(self._sentence_cache) >= SENTENCE_CACHE_DOCS:
                self._sentence_cache.clear()
            found = self._sentence_cache[doc] = article_sentences(self._docs[doc])
        return found

    def _snippet(self, doc: int, expansions: list[list[tuple[str, float]]], flat: tuple[str, str]) -> str:
        """The body sentence that contains most of the question (IDF-weighted), as one line.

        Ties go to the closer wording; headings and one-word lines make poor snippets, so
        sentences shorter than ``MIN_SNIPPET_CHARS`` only count when there is nothing else.
        """
        best_key, best = (-1.0, -1.0, -1.0), ""
        for sent in self._sentences(doc):
            if not sent.in_body:
                continue
            present = set(terms(sent.text))
            cover = sum(max((w * self._idf[t] for t, w in exp if t in present), default=0.0) for exp in expansions)
            key = (float(len(sent.text) >= MIN_SNIPPET_CHARS), cover, similarity(flat, sent))
            if key > best_key:
                best_key, best = key, sent.text
        return one_line(best)

    def _eligible(self, language: str, audiences: frozenset[str]) -> bytearray:
        """Per doc: 1 when it is the version of its id to show to this language/audience.

        Preference per id: the exact language, then its base language (pt_BR -> pt), then
        English; so a German search sees German articles plus English ones that have no German
        version, and never two versions of one id.
        """
        key = (language, audiences)
        cached = self._eligible_cache.get(key)
        if cached is not None:
            return cached
        exact = language.replace("-", "_")
        base = _base_language(language)

        def rank(lang: str) -> int:
            norm = lang.replace("-", "_")
            if norm.lower() == exact.lower():
                return 3
            if _base_language(norm) == base and norm.lower() == base:
                return 2
            return 1 if norm == "en" else 0

        chosen: dict[str, tuple[int, int]] = {}
        for i, art in enumerate(self._docs):
            r = rank(art.language)
            if r == 0 or art.audience not in audiences:
                continue
            if r > chosen.get(art.id, (-1, -1))[0]:
                chosen[art.id] = (r, i)
        flags = bytearray(len(self._docs))
        for _, i in chosen.values():
            flags[i] = 1
        if len(self._eligible_cache) > 64:
            self._eligible_cache.clear()
        self._eligible_cache[key] = flags
        return flags


def _cut(text: str) -> str:
    """At most ``MAX_QUERY_CHARS``, cut at a word boundary."""
    if len(text) > MAX_QUERY_CHARS:
        return text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
    return text


def _counts(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in items:
        out[t] = out.get(t, 0) + 1
    return out
