"""Which version of each article a reader sees: their language first, then its base, then English."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge_base.articles import Article


def base_language(language: str) -> str:
    return language.replace("-", "_").split("_", 1)[0].lower()


def preference(reader_language: str, article_language: str) -> int:
    """3 for the reader's exact language, 2 for its base (pt_BR -> pt), 1 for English, 0 never."""
    exact = reader_language.replace("-", "_").lower()
    norm = article_language.replace("-", "_")
    if norm.lower() == exact:
        return 3
    if base_language(norm) == base_language(reader_language) and norm.lower() == base_language(norm):
        return 2
    return 1 if norm == "en" else 0


def eligible_flags(docs: Sequence[Article], language: str, audiences: frozenset[str]) -> bytearray:
    """Per doc: 1 when it is the version of its id to show to this language and audience.

    So a German search sees German articles plus English ones that have no German version, and
    never two versions of one id.
    """
    chosen: dict[str, tuple[int, int]] = {}
    for doc, article in enumerate(docs):
        rank = preference(language, article.language)
        if rank == 0 or article.audience not in audiences:
            continue
        if rank > chosen.get(article.id, (-1, -1))[0]:
            chosen[article.id] = (rank, doc)
    flags = bytearray(len(docs))
    for _, doc in chosen.values():
        flags[doc] = 1
    return flags
