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
   ``Ranking.semantic_candidates`` articles closest in meaning join the BM25 candidates (one matrix
   product), so an article that shares no word with the question can still be found.
5. Re-rank of the best ``Ranking.rerank_depth`` plus those: BM25 share + ``fuzzy_weight`` x the best
   rapidfuzz similarity of the question with one sentence (``sentences.py``) +
   ``semantic_weight`` x the cosine in meaning.  Top-3 over all in-scope queries: BM25 alone
   82.1 %, with the fuzzy re-rank 84.4 %, with the word vectors too 85.8 % (terse 81.4 ->
   83.7 %; FTS5 trigram 72.7 %, porter 70.0 %).  Once ``encode_sentences`` (or
   ``use_sentence_model``) gave the index the sentence model (``encoder.py``), its cosine with
   the closest sentence replaces the word vectors' at ``context_weight``: 89.5 % (terse 87.9 %).
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge_base.articles import Article
from knowledge_base.bm25 import DocumentTerms, FieldIndex
from knowledge_base.encoder import SentenceEncoder
from knowledge_base.languages import eligible_flags
from knowledge_base.ranking import DEFAULT_RANKING, Ranking
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

# Resource limits, not ranking (``ranking.Ranking`` holds the tuned parameters):
SENTENCE_CACHE_DOCS = 20_000  # ~10 MB: every article of a normal KB, the hot ones of a huge one
SENTENCE_VECTOR_CACHE_DOCS = 2_000  # ~20 MB of float32 sentence vectors
# A knowledge base with more English sentences than this is not encoded by the sentence model
# (~10 ms a sentence: ten thousand take two minutes of one core) and keeps the static vectors.
MAX_ENCODED_SENTENCES = 10_000
# Queries are cut to this many characters (at a word boundary) and this many distinct terms:
# a pasted log or e-mail is not a question, and the cost must stay bounded.
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 32


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: float
    snippet: str
    language: str


class SearchIndex:
    """An immutable in-memory index over a set of articles (all languages and audiences)."""

    def __init__(self) -> None:
        self._docs: list[Article] = []
        self._ranking = DEFAULT_RANKING
        self._terms = FieldIndex()
        self._vocab = Vocabulary({})
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
    def build(
        cls, articles: Iterable[Article], vectors: WordVectors | None = None, ranking: Ranking = DEFAULT_RANKING
    ) -> SearchIndex:
        """Index ``articles``; ``vectors`` defaults to the shipped table (tests pass a small one)."""
        self = cls()
        self._ranking = ranking
        self._vectors = vectors if vectors is not None else shipped_vectors()
        articles = list(articles)
        # Filled row by row: a list of 100,000 small arrays stacked at the end would leave
        # ~100 MB of freed fragments in the process.
        self._doc_vectors = np.zeros((len(articles), self._vectors.dim), np.float32)
        documents: list[DocumentTerms] = []
        for doc, article in enumerate(articles):
            self._docs.append(article)
            head = [words(text) for text in (article.title, *article.aliases)]
            body = [words(text) for text in sentences(article)]
            tags = _counts(terms(" ".join(article.tags)))
            documents.append(DocumentTerms(self._term_counts(head), self._term_counts(body), tags))
            if article.language == "en":  # the vectors are English; other languages keep zeros
                self._doc_vectors[doc] = self._doc_vector(head + body)
        self._terms = FieldIndex.build(documents, ranking)
        self._vocab = Vocabulary(self._terms.document_frequencies())
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
            if conf < best * self._ranking.related_share:
                break
            # Order is the ranking's; the shown score never rises down the list (a lower-ranked
            # article can have a higher raw confidence, which would only confuse a reader).
            shown = min(shown, conf)
            hits.append(Hit(art.id, art.title, round(shown, 1), snippet, art.language))
        return hits

    @property
    def no_answer_threshold(self) -> float:
        """Confidence below which the best hit is "no article" (calibrated per kind of meaning)."""
        ranking = self._ranking
        return ranking.no_answer_threshold if self._encoder is None else ranking.context_no_answer_threshold

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
        query_terms = self._query_terms(text)
        if not query_terms or not self._docs:
            return []
        ranking, idf = self._ranking, self._terms.term_idf
        expansions = [self._vocab.expand(term) for term in query_terms]
        content = [is_content(term) for term in query_terms]
        if any(content) and not any(
            is_c and exp and exp[0][1] >= ranking.close_match for exp, is_c in zip(expansions, content, strict=True)
        ):
            return []  # not one content word is in the corpus or a single edit away: out of scope
        # IDF mass of the content words: an unknown word weighs as much as the rarest known one.
        content_mass = sum(
            idf(exp[0][0]) if exp else self._terms.unseen_idf
            for exp, is_c in zip(expansions, content, strict=True)
            if is_c
        )
        full_mass = sum(idf(exp[0][0]) if exp else self._terms.unseen_idf for exp in expansions)
        eligible = self._eligible(language, audiences)
        lexical, lexical_content = self._terms.accumulate(expansions, content, eligible, ranking)
        corrections = self._corrections(query_terms, expansions, text)
        meaning = self._query_vector(text, corrections)
        candidates = dict(heapq.nlargest(ranking.rerank_depth, lexical.items(), key=lambda kv: kv[1]))
        for doc in self._nearest(meaning, eligible):
            candidates.setdefault(doc, 0.0)
        if not candidates:
            return []
        flat = flatten(query[:MAX_QUERY_CHARS])
        understood = None
        if self._encoder is not None:  # the model reads the question with its typos corrected
            # Only words the model does not know: "stolen" is not a typo of "stole" to it.
            fixes = {w: c for w, c in corrections.items() if not self._encoder.knows(w)}
            understood = self._encoder.encode_query(substitute_words(text, fixes))
        meaning_weight = ranking.semantic_weight if understood is None else ranking.context_weight
        scored = []
        for doc, bm25 in candidates.items():
            fuzzy = best_similarity(self._sentences(doc), flat)
            if self._docs[doc].language != "en":
                closeness = fuzzy  # no meaning for other languages: their wording stands in for it
            elif understood is not None:
                closeness = float((self._encoded[doc] @ understood).max())
            else:
                closeness = self._closeness(doc, meaning)
            coverage = lexical_content.get(doc, 0.0) / content_mass if content_mass else 0.0
            bm25_share = bm25 / full_mass
            rank_score = bm25_share + ranking.fuzzy_weight * fuzzy + meaning_weight * closeness
            confidence = 100.0 * (min(1.0, coverage) + fuzzy + bm25_share + max(0.0, closeness)) / 4
            scored.append((rank_score, confidence, doc))
        scored.sort(key=lambda entry: -entry[0])
        return [(conf, self._docs[doc], self._snippet(doc, expansions, flat)) for _, conf, doc in scored[:depth]]

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
        """The ``Ranking.semantic_candidates`` eligible articles closest in meaning (one matrix product).

        They join the lexical candidates, so an article that shares no word with the question
        can still be found ("ordered card week ago" -> "When will my card arrive?").
        """
        if not len(self._doc_vectors) or not meaning.any():
            return []
        sims = self._doc_vectors @ meaning
        sims[np.frombuffer(eligible, dtype=np.uint8) == 0] = -1.0
        k = min(self._ranking.semantic_candidates, len(sims))
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
        whole = self._ranking.whole_article_share
        return (1 - whole) * best_sentence + whole * float(self._doc_vectors[doc] @ meaning)

    # ---------------------------------------------------------------- helpers
    def _query_terms(self, text: str) -> list[str]:
        """Distinct terms of the question (``normalize``d and cut), the most specific if too many."""
        seen: dict[str, None] = {}
        for t in terms(text):
            seen.setdefault(t, None)
        qterms = list(seen)
        if len(qterms) > MAX_QUERY_TERMS:  # keep the most specific words of a long paste
            qterms = sorted(qterms, key=lambda t: -self._terms.term_idf(t))[:MAX_QUERY_TERMS]
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
            cover = sum(
                max((w * self._terms.idf[t] for t, w in exp if t in present), default=0.0) for exp in expansions
            )
            key = (float(len(sent.text) >= MIN_SNIPPET_CHARS), cover, similarity(flat, sent))
            if key > best_key:
                best_key, best = key, sent.text
        return one_line(best)

    def _eligible(self, language: str, audiences: frozenset[str]) -> bytearray:
        """``languages.eligible_flags``, cached per language and audience."""
        key = (language, audiences)
        cached = self._eligible_cache.get(key)
        if cached is None:
            if len(self._eligible_cache) > 64:
                self._eligible_cache.clear()
            cached = self._eligible_cache[key] = eligible_flags(self._docs, language, audiences)
        return cached


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
