"""Sentences of an article: splitting, character-level similarity to a query, one-line snippets.

Why character-level: the inverted index matches words, and misses what a person's phrasing has
in common with an article's example question beyond shared stems (word order, small function
words, partial words).  ``rapidfuzz.fuzz.ratio`` against each sentence of the few re-ranked
candidates adds that at C speed: +2-4 points of top-3 on every query kind of the dev set.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from knowledge_base.articles import Article
from knowledge_base.tokenize import STOP_WORDS

SNIPPET_CHARS = 160
MIN_SNIPPET_CHARS = 30
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9])|(?<=[。！？])")
_MARKUP = re.compile(r"\*\*|__|`|\|")


def sentences(art: Article) -> list[str]:
    """Body lines split into sentences, without list bullets; what snippets are made of."""
    out: list[str] = []
    for line in art.body.splitlines():
        line = line.strip().lstrip("-*#> ").strip()
        if line:
            out.extend(s for s in _SENTENCE_END.split(line) if s)
    return out


def one_line(text: str) -> str:
    """Markdown emphasis and table bars removed, whitespace collapsed, cut at a word <= 160."""
    text = " ".join(_MARKUP.sub("", text).split())
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


class Sentence(NamedTuple):
    text: str
    plain: str  # ``flatten`` forms, computed once per article and cached by the index
    content: str
    in_body: bool  # False for the title and aliases (they never become the snippet)


def article_sentences(art: Article) -> list[Sentence]:
    """Title, aliases and body sentences, each with its comparison forms."""
    out = [Sentence(t, *flatten(t), False) for t in (art.title, *art.aliases)]
    out += [Sentence(t, *flatten(t), True) for t in sentences(art)]
    return out


def best_similarity(sents: list[Sentence], query: tuple[str, str]) -> float:
    """Best character-level similarity (0-1) of the query with one sentence of the article.

    Title, aliases and body sentences compete: the examples and summary lines of an article are
    what a person's question most resembles, and a single close sentence is strong evidence.
    """
    return max((similarity(query, s) for s in sents), default=0.0)


def flatten(text: str) -> tuple[str, str]:
    """The text as compared character by character: all words, and content words only.

    The content-only form makes "how long does it take for my card to arrive" and the terse
    "long take card arrive" look alike to the sentence "How long will my card take to arrive?".
    """
    plain = default_process(text)  # C-speed lower-case + non-alphanumerics to spaces
    return plain, " ".join(w for w in plain.split() if w not in STOP_WORDS)


def similarity(query: tuple[str, str], sentence: Sentence) -> float:
    """0-1: the better of whole-text and content-words-only ``fuzz.ratio`` (see ``flatten``)."""
    return max(fuzz.ratio(query[0], sentence.plain), fuzz.ratio(query[1], sentence.content)) / 100
