"""Knowledge-base answers in chat: misspelled questions, no-answer, feedback, tickets, languages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

import domain.kb
from domain.kb import KnowledgeBase
from domain.kb.models import KbFeedback, KbSearch, KbSentenceVector, KbTicketRequest
from knowledge_base.encoder import shipped_encoder
from tests.chat import ChatFactory

ARTICLES = Path(__file__).resolve().parent.parent / "knowledge_base" / "articles"


@pytest.fixture
async def kb_chats(chats: ChatFactory) -> ChatFactory:
    await chats.app.deps.services[KnowledgeBase].import_dir(ARTICLES, now=chats.clock())
    return chats


async def count(chats: ChatFactory, model: type) -> int:
    async with chats.app.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_misspelled_question_typed_as_plain_text_finds_the_article(kb_chats: ChatFactory) -> None:
    chat = await kb_chats.linked("ben@globex.example")
    answer = await chat.send("how do i regster a deal")
    assert "How to register a deal" in answer.messages[0].items[0] or "register" in answer.messages[0].items[0].lower()
    actions = [b.action for b in answer.buttons]
    assert {"kb.helpful", "kb.not_helpful", "kb.open_ticket"} <= set(actions)
    full = await chat.press("kb.article", answer.button("kb.article").value)
    assert "/deal" in full.text


async def test_out_of_scope_question_gets_no_article_and_the_ticket_offer(kb_chats: ChatFactory) -> None:
    chat = await kb_chats.linked("ben@globex.example")
    answer = await chat.send("/kb what is the weather in paris tomorrow")
    assert "No article" in answer.text
    assert [b.action for b in answer.buttons] == ["kb.open_ticket"]
    opened = await chat.press("kb.open_ticket", answer.button("kb.open_ticket").value)
    assert "Open a support ticket" in opened.text and "step 1 of 5" in opened.text
    await chat.send("Technical and product")
    subject = await chat.send("low")  # the question is offered as the subject
    assert "Subject" in subject.text and "Suggested: what is the weather in paris tomorrow" in subject.text
    assert "Cancelled" in (await chat.send("cancel")).text
    again = await chat.press("kb.open_ticket", answer.button("kb.open_ticket").value)
    assert "step 1 of 5" in again.text
    assert await count(kb_chats, KbTicketRequest) == 1


async def test_feedback_pressed_twice_is_one_record_and_others_cannot_use_my_buttons(kb_chats: ChatFactory) -> None:
    ben = await kb_chats.linked("ben@globex.example")
    answer = await ben.send("/kb commission rates by tier")
    value = answer.button("kb.helpful").value
    assert "Thanks" in (await ben.press("kb.helpful", value)).text
    await ben.press("kb.not_helpful", value)
    async with kb_chats.app.uow() as uow:
        rows = (await uow.session.scalars(select(KbFeedback))).all()
    assert [r.helpful for r in rows] == [False]
    ana = await kb_chats.linked("ana@acme.example")
    assert "no longer available" in (await ana.press("kb.helpful", value)).text
    assert "no longer available" in (await ana.press("kb.helpful", "not-a-number")).text


async def test_every_search_is_recorded_for_deflection(kb_chats: ChatFactory) -> None:
    chat = await kb_chats.linked("ben@globex.example")
    await chat.send("/kb payout date")
    await chat.send("/kb qwertyuiop asdfgh")
    async with kb_chats.app.uow() as uow:
        rows = (await uow.session.scalars(select(KbSearch).order_by(KbSearch.id))).all()
    assert [(r.query, r.answered) for r in rows] == [("payout date", True), ("qwertyuiop asdfgh", False)]


async def test_answers_come_in_the_persons_language_with_english_fallback(kb_chats: ChatFactory) -> None:
    arno = await kb_chats.linked("arno@acme.example")  # German
    answer = await arno.send("/kb wie registriere ich einen deal")
    assert "Deal registrieren" in answer.text
    fallback = await arno.send("/kb MDF claim proof of execution")
    assert "MDF" in fallback.text


async def test_internal_articles_are_for_staff_only(kb_chats: ChatFactory) -> None:
    partner = await kb_chats.linked("ben@globex.example")
    cam = await kb_chats.linked("carla.cam@vendor.example")
    question = "/kb how does a CAM review deal registration conflicts"
    assert "cam-deal-registration-review" not in [b.value for b in (await partner.send(question)).buttons]
    assert "cam-deal-registration-review" in [b.value for b in (await cam.send(question)).buttons]


@pytest.mark.parametrize("query", ["", "   ", "x" * 5000, "🙂🙂🙂", "deal\x00\x07 registration\x1b[31m", "?!?!"])
async def test_odd_queries_get_a_clear_answer(kb_chats: ChatFactory, query: str) -> None:
    chat = await kb_chats.linked("ben@globex.example")
    answer = await chat.send(f"/kb {query}")
    assert answer.text and "Something went wrong" not in answer.text


async def test_a_japanese_speaker_typing_english_gets_the_english_article(kb_chats: ChatFactory) -> None:
    kenji = await kb_chats.linked("kenji@kaiju.example")
    answer = await kenji.send("how do i regster a deal")
    assert answer.buttons[0].value == "register-a-deal"
    assert "How to register a deal" in answer.messages[0].items[0]
    japanese = await kenji.send("/kb 案件を登録するには")
    assert japanese.buttons[0].value == "register-a-deal"


@pytest.mark.parametrize("question", ["what is the weather in paris", "book a flight to tokyo", "tell me a joke"])
async def test_questions_about_nothing_in_the_program_get_no_article(kb_chats: ChatFactory, question: str) -> None:
    chat = await kb_chats.linked("ben@globex.example")
    answer = await chat.send(question)
    assert "No article" in answer.text and [b.action for b in answer.buttons] == ["kb.open_ticket"]


@pytest.mark.slow
async def test_the_sentence_model_warms_up_in_the_background_and_then_answers(kb_chats: ChatFactory) -> None:
    kb = KnowledgeBase(kb_chats.app.uow, sentence_model=True)
    index = await kb.index()  # at once, with the word vectors
    assert await kb.ready() is index and index.understands_sentences
    outcome = await kb.search("how do i regster a deal", language="en", record=False)
    assert outcome.hits[0].id == "register-a-deal"
    assert (await kb.search("what is the weather in paris tomorrow", language="en", record=False)).hits == []


@pytest.mark.slow
async def test_sentence_vectors_are_stored_once_and_follow_article_edits(
    kb_chats: ChatFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A restart, or a second worker, reads the vectors instead of encoding for seconds again."""
    real = shipped_encoder()
    encoded: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def encode(self, texts: list[str]) -> object:
            encoded.append(len(texts))
            return real.encode(texts)

    monkeypatch.setattr(domain.kb, "shipped_encoder", Counting)
    first = await KnowledgeBase(kb_chats.app.uow, sentence_model=True).ready()
    sentences = first.sentences_to_encode()
    assert sentences and encoded == [len(sentences)]
    assert await count(kb_chats, KbSentenceVector) == len(sentences)

    second = KnowledgeBase(kb_chats.app.uow, sentence_model=True)
    assert (await second.ready()).understands_sentences and encoded == [len(sentences)]
    assert (await second.search("how do i regster a deal", language="en", record=False)).hits[0].id == "register-a-deal"

    edited = tmp_path / "kb"
    edited.mkdir()
    (edited / "one.md").write_text("---\nid: one\ntitle: Renew a certification\n---\nCertifications last a year.\n")
    await kb_chats.app.deps.services[KnowledgeBase].import_dir(edited, now=kb_chats.clock())
    third = await KnowledgeBase(kb_chats.app.uow, sentence_model=True).ready()
    assert encoded == [len(sentences), 2] and third.understands_sentences
    assert await count(kb_chats, KbSentenceVector) == 2  # the removed articles' vectors are gone

    (edited / "two.md").write_text("---\nid: two\ntitle: Renew a contract\n---\nContracts renew yearly.\n")
    await kb_chats.app.deps.services[KnowledgeBase].import_dir(edited, now=kb_chats.clock())
    await KnowledgeBase(kb_chats.app.uow, sentence_model=True).ready()
    (edited / "two.md").unlink()
    await kb_chats.app.deps.services[KnowledgeBase].import_dir(edited, now=kb_chats.clock())
    assert (await KnowledgeBase(kb_chats.app.uow, sentence_model=True).ready()).understands_sentences
    assert encoded == [len(sentences), 2, 2]  # a removal alone encodes nothing
    assert await count(kb_chats, KbSentenceVector) == 2  # and still forgets what was removed


async def test_a_broken_sentence_model_leaves_the_word_vectors_answering(
    kb_chats: ChatFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise OSError("minilm-l6-v2.npz: truncated")

    monkeypatch.setattr(domain.kb, "shipped_encoder", broken)
    kb = KnowledgeBase(kb_chats.app.uow, sentence_model=True)
    index = await kb.ready()
    assert not index.understands_sentences
    assert "word vectors only" in caplog.text
    assert (await kb.search("how do i regster a deal", language="en", record=False)).hits[0].id == "register-a-deal"


@pytest.mark.slow
async def test_questions_during_a_first_encoding_are_answered_with_word_vectors(
    kb_chats: ChatFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shipped_encoder()
    release = threading.Event()

    class Slow:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def encode(self, texts: list[str]) -> object:
            release.wait(30)
            return real.encode(texts)

    monkeypatch.setattr(domain.kb, "shipped_encoder", Slow)
    monkeypatch.setattr(domain.kb, "MODEL_WAIT_SECONDS", 0.2)
    kb = KnowledgeBase(kb_chats.app.uow, sentence_model=True)
    try:
        for _ in range(3):
            outcome = await kb.search("how do i regster a deal", language="en", record=False)
            assert outcome.hits[0].id == "register-a-deal"
        assert not (await kb.index()).understands_sentences
    finally:
        release.set()
    assert (await kb.ready()).understands_sentences
