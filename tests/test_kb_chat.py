"""Knowledge-base answers in chat: misspelled questions, no-answer, feedback, tickets, languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.kb import KbFeedback, KbSearch, KbTicketRequest
from tests.chat import ChatFactory

ARTICLES = Path(__file__).resolve().parent.parent / "knowledge_base" / "articles"


@pytest.fixture
async def kb_chats(chats: ChatFactory) -> ChatFactory:
    await chats.app.deps.services["kb"].import_dir(ARTICLES, now=chats.clock())
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
    recorded = await chat.press("kb.open_ticket", answer.button("kb.open_ticket").value)
    assert "recorded your request" in recorded.text
    again = await chat.press("kb.open_ticket", answer.button("kb.open_ticket").value)
    assert "recorded your request" in again.text
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
