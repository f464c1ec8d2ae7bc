"""Knowledge-base search as a partner experiences it: typos, languages, "no article", odd input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from knowledge_base.articles import Article, load_articles
from knowledge_base.encoder import shipped_encoder
from knowledge_base.ranking import DEFAULT_RANKING
from knowledge_base.search import SearchIndex

KB_EVAL = Path(__file__).resolve().parents[3] / "shared" / "kb-eval"

ARTICLES = {
    "reset-password.md": """---
id: reset-password
title: Reset your partner portal password
tags: [portal, login]
aliases: [forgot password, locked out of the portal]
---
Open the portal login page and choose Forgot password. A reset link arrives by e-mail within minutes.
If your company uses single sign-on, reset the password with your own identity provider instead.
""",
    "register-deal.md": """---
id: register-deal
title: Register a deal
tags: [deals]
aliases: [deal registration, protect an opportunity]
---
Registering a deal protects your opportunity for 90 days. Send /register and fill in the customer,
the product and the expected value; your channel account manager approves or rejects it.
""",
    "commission-payout.md": """---
id: commission-payout
title: When are commissions paid out?
tags: [commission, payments]
---
Commissions are paid on the 15th of the month after approval. Held lines are released once the
customer has paid the invoice. Open /commission to see accrued, approved and paid lines.
""",
    "lead-assignment.md": """---
id: lead-assignment
title: Accept or decline an assigned lead
tags: [leads]
---
When a lead is assigned to you, accept it within 24 hours or it goes back to the pool. Declining
asks for a reason so the channel team can route it to someone else.
""",
    "agent-escalation.md": """---
id: agent-escalation
title: Escalate a ticket to engineering
audience: internal
tags: [tickets]
---
Support agents escalate a ticket to engineering from the ticket thread with the escalate button.
""",
    "de/reset-password.md": """---
id: reset-password
language: de
title: Passwort für das Partnerportal zurücksetzen
aliases: [Passwort vergessen]
---
Öffnen Sie die Anmeldeseite des Portals und wählen Sie Passwort vergessen.
""",
    "pt/register-deal.md": """---
id: register-deal
language: pt
title: Registrar um negócio
---
Registrar um negócio protege sua oportunidade por 90 dias.
""",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("kb")
    for name, text in ARTICLES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return SearchIndex.build(load_articles(root))


def ids(hits: list) -> list[str]:
    return [h.id for h in hits]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("I forgot my pasword", "reset-password"),
        ("how do i registr a deall", "register-deal"),
        ("when do I get my comissions payed", "commission-payout"),
        ("decline lead assigned", "lead-assignment"),
        ("lead assignmnet accept", "lead-assignment"),
        ("PORTAL PASSWORD RESET", "reset-password"),
        ("password portal reset", "reset-password"),  # word order does not matter
    ],
)
def test_misspelled_and_reordered_questions_find_the_article(index: SearchIndex, question: str, expected: str) -> None:
    hits = index.search(question)
    assert hits, question
    assert hits[0].id == expected


def test_a_hit_carries_title_score_language_and_a_one_line_snippet(index: SearchIndex) -> None:
    hit = index.search("forgot password single sign-on")[0]
    assert hit.title == "Reset your partner portal password"
    assert hit.language == "en"
    assert DEFAULT_RANKING.no_answer_threshold <= hit.score <= 100
    assert "\n" not in hit.snippet and 0 < len(hit.snippet) <= 160
    assert "single sign-on" in hit.snippet  # the sentence that matches, not just the first one


def test_scores_never_rise_down_the_list_and_top_is_respected(index: SearchIndex) -> None:
    hits = index.search("deal portal lead commission", top=2)
    assert 1 <= len(hits) <= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(set(ids(index.search("register deal", top=10)))) == len(index.search("register deal", top=10))


def test_title_weighs_more_than_body() -> None:
    in_title = Article(id="invoices", title="Invoices", body="Where to find billing documents for your account.")
    in_body = Article(
        id="billing", title="Billing documents", body="Your invoices are listed under Billing in the portal."
    )
    index = SearchIndex.build([in_body, in_title])
    assert ids(index.search("invoices"))[0] == "invoices"
    alias = Article(id="sso", title="Single sign-on", body="Configure your identity provider.", aliases=("okta",))
    mention = Article(id="idp", title="Identity providers", body="We support okta and others via SAML.")
    index = SearchIndex.build([mention, alias])
    assert ids(index.search("okta"))[0] == "sso"


@pytest.mark.parametrize(
    "question",
    ["what is the weather tomorrow in Paris", "how to bake a chocolate cake", "do laundry", "who won the football"],
)
def test_an_out_of_scope_question_gets_no_article(index: SearchIndex, question: str) -> None:
    assert index.search(question) == []


def test_german_search_gets_german_where_translated_and_english_otherwise(index: SearchIndex) -> None:
    hits = index.search("Passwort vergessen", language="de")
    assert hits[0].id == "reset-password" and hits[0].language == "de"
    hits = index.search("register a deal", language="de", top=10)
    assert hits[0].id == "register-deal" and hits[0].language == "en"  # no German version: English
    for question in ("password reset portal", "Passwort zurücksetzen Portal", "register deal password"):
        found = index.search(question, language="de", top=10)
        assert len(ids(found)) == len(set(ids(found))), "one id, one language"
        assert all(h.language == "de" for h in found if h.id == "reset-password")


def test_regional_language_falls_back_to_its_base_then_english(index: SearchIndex) -> None:
    hits = index.search("registrar negócio", language="pt_BR")
    assert (hits[0].id, hits[0].language) == ("register-deal", "pt")
    hits = index.search("forgot password", language="pt_BR")
    assert (hits[0].id, hits[0].language) == ("reset-password", "en")


def test_internal_articles_only_for_internal_audiences(index: SearchIndex) -> None:
    assert "agent-escalation" not in ids(index.search("escalate ticket to engineering"))
    staff = index.search("escalate ticket to engineering", audiences=frozenset({"partner", "internal"}))
    assert ids(staff)[0] == "agent-escalation"


@pytest.mark.parametrize(
    "question",
    ["", "   \t\n ", "😀🎉🔥", "\x00\x01\x02\x1b[31m\x7f", "?!?!...", "a" * 5000, "é" * 5000, "日本語の質問"],
)
def test_nothing_searchable_gives_an_empty_answer(index: SearchIndex, question: str) -> None:
    assert index.search(question) == []


def test_bad_input_around_a_real_question_still_works(index: SearchIndex) -> None:
    assert ids(index.search("🔑 forgot\x00 my\u200b password?! 🙏"))[0] == "reset-password"
    long = "Hello team, " + "lorem ipsum dolor sit amet " * 200 + " how do I register a deal?"
    assert len(long) > 5000
    started = time.perf_counter()
    index.search(long)  # a pasted e-mail: bounded work, no crash
    assert time.perf_counter() - started < 1.0
    assert ids(index.search("register a deal " * 400))[0] == "register-deal"


def test_an_empty_index_answers_nothing() -> None:
    assert SearchIndex.build([]).search("anything") == []


@pytest.mark.skipif(not (KB_EVAL / "dev.jsonl").exists(), reason=f"kb-eval dev set not found at {KB_EVAL}")
def test_dev_set_end_to_end_at_3() -> None:
    """The shared dev set: in scope = answered with the article in the top 3; out of scope = nothing."""
    index = SearchIndex.build(load_articles(KB_EVAL / "corpus"))
    queries = [json.loads(line) for line in (KB_EVAL / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    ok = answered = in_scope = 0
    for q in queries:
        found = ids(index.search(q["q"]))
        if q["expected"] is None:
            ok += not found
        else:
            in_scope += 1
            answered += bool(found)
            ok += q["expected"] in found
    assert ok / len(queries) >= 0.80
    assert answered / in_scope >= 0.90


@pytest.mark.slow
@pytest.mark.skipif(not (KB_EVAL / "dev.jsonl").exists(), reason=f"kb-eval dev set not found at {KB_EVAL}")
def test_dev_set_with_the_sentence_model_meets_the_issue_targets() -> None:
    """The targets of the knowledge-base issue, as the bot searches once its model is warm."""
    index = SearchIndex.build(load_articles(KB_EVAL / "corpus"))
    assert index.encode_sentences(shipped_encoder())
    queries = [json.loads(line) for line in (KB_EVAL / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    top3: dict[str, list[bool]] = {}
    ok = answered = rejected = 0
    for q in queries:
        found = ids(index.search(q["q"]))
        if q["expected"] is None:
            ok += not found
            rejected += not found
        else:
            answered += bool(found)
            ok += q["expected"] in found
            top3.setdefault(q["kind"], []).append(q["expected"] in [a.id for _, a, _ in index.rank(q["q"])])
    in_scope = sum(len(v) for v in top3.values())
    share = {kind: sum(v) / len(v) for kind, v in top3.items()}
    assert ok / len(queries) >= 0.80 and answered / in_scope >= 0.90
    assert rejected / (len(queries) - in_scope) >= 0.60
    assert share["clean"] >= 0.85 and share["terse"] >= 0.85
    assert share["typo1"] >= 0.81 and share["typo2"] >= 0.80 and share["terse_typo"] >= 0.79
