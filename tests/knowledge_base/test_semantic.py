"""Meaning in the knowledge-base search: the shipped word vectors and what they add to a ranking."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.articles import Article
from knowledge_base.search import SearchIndex
from knowledge_base.semantic import WordPiece, WordVectors, shipped_vectors
from knowledge_base.tokenize import words

ARTICLES = [
    Article(
        id="cancel-transfer",
        title="Cancel a bank transfer",
        body="Stop a payment you sent by mistake before it leaves your account.",
    ),
    Article(id="card-arrival", title="When will my card arrive?", body="Cards are delivered within five working days."),
    Article(id="pin", title="Change your PIN", body="Choose a new PIN at any cash machine."),
    Article(id="fx", title="Exchange rates", body="Payments in other currencies use the daily rate."),
]


def closeness(a: str, b: str) -> float:
    vectors = shipped_vectors()
    return float(vectors.text(words(a)) @ vectors.text(words(b)))


def blind() -> WordVectors:
    """A table that knows no meaning: the search as it is with words alone."""
    return WordVectors(["[UNK]"], np.zeros((1, 8), np.float32))


def test_wordpiece_splits_words_as_bert_does() -> None:
    pieces = WordPiece(["[UNK]", "card", "pay", "##out", "##s", "cafe"])
    assert pieces.pieces("card") == [1]
    assert pieces.pieces("payouts") == [2, 3, 4]
    assert pieces.pieces("café") == [5]  # uncased BERT strips accents
    assert pieces.pieces("cardx") == [0]  # a piece that cannot be covered: unknown, not half a word
    assert pieces.pieces("card" * 30) == [0]  # pasted junk is not vocabulary


@pytest.mark.parametrize(
    ("question", "near", "far"),
    [
        ("my card has not come yet", "when will my card arrive", "change my card pin"),
        ("the cash machine ate my card", "atm swallowed my card", "exchange rate for payments"),
        ("payout date", "when is commission paid", "reset portal password"),
    ],
)
def test_shipped_vectors_put_paraphrases_closer_than_other_topics(question: str, near: str, far: str) -> None:
    assert closeness(question, near) > closeness(question, far)


def test_a_question_in_other_words_ranks_its_article_first() -> None:
    """ "reverse the money I sent" shares no topic word with "Cancel a bank transfer"."""
    with_meaning = SearchIndex.build(ARTICLES)
    words_only = SearchIndex.build(ARTICLES, blind())
    question = "reverse the money I sent"
    assert with_meaning.rank(question)[0][1].id == "cancel-transfer"
    assert words_only.rank(question)[0][1].id != "cancel-transfer"


def test_an_article_sharing_no_word_is_still_a_candidate() -> None:
    question = "daily parcel never showed up"  # only "daily" is in the corpus, in the exchange-rate article
    ranked = [a.id for _, a, _ in SearchIndex.build(ARTICLES).rank(question, depth=4)]
    assert "card-arrival" in ranked
    assert "card-arrival" not in [a.id for _, a, _ in SearchIndex.build(ARTICLES, blind()).rank(question, depth=4)]


def test_articles_with_no_words_and_other_languages_build_and_rank() -> None:
    odd = [
        Article(id="emoji", title="🎉🎉", body="🔥"),
        Article(id="ja-only", title="パスワードの再設定", body="ポータルのログイン画面で再設定します。", language="ja"),
        *ARTICLES,
    ]
    index = SearchIndex.build(odd)
    assert index.search("card arrive")[0].id == "card-arrival"
    assert index.search("パスワード 再設定", language="ja")[0].id == "ja-only"
