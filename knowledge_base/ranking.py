"""The tuned parameters of knowledge-base ranking, named and documented in one place.

Every value was chosen on kb-eval's dev set (107 articles, 1,827 queries) and is re-checked with
``benchmarks/kb_eval.py`` after any change to the scoring; the figures in each field's comment
come from that script.  The search code reads them from a ``Ranking`` instead of loose module
constants, so an experiment is one ``dataclasses.replace(DEFAULT_RANKING, ...)`` away.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ranking:
    """How lexical, fuzzy and semantic evidence are weighed into one ranking and one confidence."""

    # A question none of whose content words is in the corpus, or one edit from a corpus word, is
    # out of scope whatever its stop words match ("what is the weather in paris" is not
    # "whether").  Out-of-scope rejection 74.5 -> 75.9 %; it never hurt end-to-end.
    close_match: float = 0.85

    # BM25F: the standard saturation and length normalisation, and the field weights (chosen
    # among 1/2/3/4): a word in the title or an alias counts three body words, a tag one and a half.
    saturation_k1: float = 1.2
    length_normalisation_b: float = 0.75
    title_weight: float = 3.0
    tag_weight: float = 1.5
    body_weight: float = 1.0

    # How many lexical candidates are re-ranked with fuzzy and semantic evidence.
    rerank_depth: int = 30

    # Two-phase scoring of very common terms (see ``bm25.FieldIndex.accumulate``): a term found in
    # more than ``common_share`` of the articles and at least ``common_min_df`` of them is only
    # scored on the ``prefilter_depth`` best candidates found through the rarer terms.
    common_share: float = 0.05
    common_min_df: int = 1000
    prefilter_depth: int = 300

    # Weight of the best rapidfuzz similarity of the question with one sentence in the re-rank:
    # top-3 82.1 % (BM25 alone) -> 84.4 %.
    fuzzy_weight: float = 0.5

    # Meaning from the static word vectors: the cosine's weight in the re-rank, the share of it
    # that comes from the whole article rather than its closest sentence, and how many articles
    # closest in meaning join the lexical candidates (chosen among 0.5/0.7/1.0/1.5, 0/0.3/0.5 and
    # 10/30: higher weights trade clean and typo2 questions for terse ones).  Top-3 -> 85.8 %.
    semantic_weight: float = 0.5
    whole_article_share: float = 0.3
    semantic_candidates: int = 10

    # Once the sentence model encoded the articles, its cosine (question vs the closest sentence)
    # replaces the static one at this weight (among 0.5/1.0/1.5).  Top-3 -> 89.5 %.
    context_weight: float = 1.0

    # "No article" threshold on the 0-100 confidence of the best hit.  Static vectors: end-to-end
    # @3 is flat at 83.3-83.5 % from 35 to 38; 37 answers 95.6 % of in-scope queries and rejects
    # 80.4 % of out-of-scope ones.  Sentence model: flat at 87.6 % from 32 to 34; 34 answers
    # 96.3 % of in-scope queries and rejects 87.1 % of out-of-scope ones.
    no_answer_threshold: float = 37.0
    context_no_answer_threshold: float = 34.0

    # Lower-ranked hits are still shown when they reach this share of the best hit's confidence.
    related_share: float = 0.5


DEFAULT_RANKING = Ranking()
