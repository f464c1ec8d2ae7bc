"""Issue 11, item 5: which knowledge-base articles a reader sees is decided in the domain, from who asks
and where: internal articles only for staff, only in their private chat; for search and for Read."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.kb import KnowledgeBase
from tests.chat import ChatFactory
from tests.hardening.kb_articles import INTERNAL_ARTICLE, PARTNER_ARTICLE

SECRET = "INTERNAL-BRIDGE-7731"
INTERNAL_TITLE = "Agent runbook"


@pytest.fixture
async def kb(chats: ChatFactory, tmp_path: Path) -> ChatFactory:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "partner.md").write_text(PARTNER_ARTICLE, encoding="utf-8")
    (folder / "internal.md").write_text(INTERNAL_ARTICLE, encoding="utf-8")
    await chats.app.deps.services[KnowledgeBase].import_dir(folder, now=chats.clock())
    return chats


async def test_item5_partner_read_of_an_internal_article_is_answered_like_a_missing_one(kb: ChatFactory) -> None:
    ana = await kb.linked("ana@acme.example")
    crafted = await ana.press("kb.article", "agent-escalation-runbook")
    missing = await ana.press("kb.article", "no-such-article")
    assert SECRET not in crafted.text and INTERNAL_TITLE not in crafted.text
    assert crafted.text == missing.text, "a refused Read must not tell that the article exists"
    assert "escalation" in (await ana.press("kb.article", "escalation-for-partners")).text


async def test_item5_staff_search_in_a_group_shows_partner_articles_only(kb: ChatFactory) -> None:
    await kb.linked("sam.support@vendor.example")
    sam_private = await kb.linked("sam.support@vendor.example")
    for where in (kb.group("sam.support@vendor.example"), kb.channel("sam.support@vendor.example")):
        answer = await where.send("/kb escalate a ticket to engineering")
        assert INTERNAL_TITLE not in answer.text and SECRET not in answer.text
        assert all(b.value != "agent-escalation-runbook" for b in answer.buttons)
        read = await where.press("kb.article", "agent-escalation-runbook")
        assert SECRET not in read.text and SECRET not in read.private.text
    private = await sam_private.send("/kb escalate a ticket to engineering")
    assert INTERNAL_TITLE in private.text, "in their private chat staff see internal articles"
    assert SECRET in (await sam_private.press("kb.article", "agent-escalation-runbook")).text


@pytest.mark.parametrize(
    ("role", "private_chat", "internal"),
    [
        ("partner_rep", True, False),
        ("partner_admin", True, False),
        ("support_agent", True, True),
        ("cam", True, True),
        ("admin", True, True),
        ("support_agent", False, False),
        ("admin", False, False),
        (None, True, False),
    ],
)
def test_item5_audience_is_decided_in_the_domain(role: str | None, private_chat: bool, internal: bool) -> None:
    from domain.kb import audiences_for

    audiences = audiences_for(role, private_chat=private_chat)
    assert "partner" in audiences and ("internal" in audiences) is internal
