"""The sentence model: the numpy MiniLM encodes meaning, and the search uses it once it is ready."""

from __future__ import annotations

import numpy as np
import pytest

import knowledge_base.search as search
from knowledge_base.articles import Article
from knowledge_base.encoder import MAX_TOKENS, SentenceEncoder, shipped_encoder
from knowledge_base.ranking import DEFAULT_RANKING
from knowledge_base.search import SearchIndex

ARTICLES = [
    Article(
        id="card-arrival",
        title="When will my card arrive?",
        body="- Is there a way to know when my card will arrive?\n- How long does delivery of a new card take?",
    ),
    Article(id="card-broken", title="My card is damaged", body="- My card is cracked and does not work anymore."),
    Article(id="pin", title="Change your PIN", body="- How do I change the PIN of my card?"),
    Article(id="fx", title="Exchange rates", body="- Which exchange rate do you use for payments abroad?"),
    Article(id="pin", title="PIN ändern", body="Ändern Sie Ihre PIN am Automaten.", language="de"),
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return shipped_encoder()


def cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    va, vb = encoder.encode([a, b])
    return float(va @ vb)


def test_paraphrases_are_close_and_other_topics_far(encoder: SentenceEncoder) -> None:
    assert cosine(encoder, "my card is broken", "my card is not working") > 0.75
    assert cosine(encoder, "the cash machine ate my card", "the atm swallowed my card") > 0.6
    assert abs(cosine(encoder, "my card is broken", "what is the weather in paris")) < 0.2


def test_vectors_are_unit_and_padding_changes_nothing(encoder: SentenceEncoder) -> None:
    alone = encoder.encode(["card not arrived"])[0]
    padded = encoder.encode(["card not arrived", "a much longer sentence about exchange rates abroad " * 3])[0]
    assert np.linalg.norm(alone) == pytest.approx(1.0, abs=1e-5)
    assert float(alone @ padded) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("text", ["", "😀🎉", "\x00\x1b[31m", "é" * 5000, "lorem ipsum " * 2000])
def test_any_text_encodes_within_the_token_limit(encoder: SentenceEncoder, text: str) -> None:
    ids = encoder.token_ids(text)
    assert 2 <= len(ids) <= MAX_TOKENS
    assert np.isfinite(encoder.encode([text])).all()


def first(index: SearchIndex, question: str) -> str:
    return index.rank(question)[0][1].id


def test_the_index_uses_the_model_once_sentences_are_encoded(encoder: SentenceEncoder) -> None:
    words_only = SearchIndex.build(ARTICLES)
    index = SearchIndex.build(ARTICLES)
    assert not index.understands_sentences and index.no_answer_threshold == DEFAULT_RANKING.no_answer_threshold
    assert index.encode_sentences(encoder)
    assert index.understands_sentences and index.no_answer_threshold == DEFAULT_RANKING.context_no_answer_threshold
    # Sentences the word vectors get wrong: "charge" and "split" pull towards other articles.
    for question, expected in [("how much do you charge to convert currency", "fx"), ("card split", "card-broken")]:
        assert first(index, question) == expected
        assert first(words_only, question) != expected
    assert index.search("my card got here yet?")[0].id == "card-arrival"
    assert index.search("PIN ändern", language="de")[0].language == "de"  # other languages: words, as before
    assert index.search("what is the weather in paris tomorrow") == []


def test_a_knowledge_base_too_big_to_encode_keeps_the_word_vectors(
    encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_ENCODED_SENTENCES", 3)
    index = SearchIndex.build(ARTICLES)
    assert not index.encode_sentences(encoder)
    assert not index.understands_sentences
    assert index.search("when will my card arrive")[0].id == "card-arrival"


def test_the_model_reads_typos_corrected_and_real_words_as_typed(encoder: SentenceEncoder) -> None:
    read: list[str] = []

    class Recording(SentenceEncoder):
        def __init__(self) -> None:
            self.__dict__.update(encoder.__dict__)

        def encode_query(self, text: str) -> np.ndarray:
            read.append(text)
            return super().encode_query(text)

    index = SearchIndex.build(ARTICLES)
    assert index.encode_sentences(Recording())
    assert first(index, "my crad snapped, pls help") == "card-broken"
    # "crad" is no word to the model: it reads the corpus word; "snapped" is one, though unknown to the corpus.
    assert read == ["my card snapped, pls help"]
