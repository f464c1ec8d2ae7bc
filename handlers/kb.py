"""Knowledge-base answers in chat: `kb QUERY`, plain text in a private chat, feedback and ticket offers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import knowledge_base
from domain.errors import InvalidInput
from domain.i18n import N_, _, current_language
from domain.kb import KnowledgeBase, SearchOutcome
from handlers.capability import Capability, DemoData, Setting
from handlers.deps import Deps
from handlers.dispatch import Dispatcher
from handlers.model import Button, Markdown, Message, Notice, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("kb")
ARTICLE_PREVIEW = 3500


def _kb(deps: Deps) -> KnowledgeBase:
    return deps.services[KnowledgeBase]


def _answer(outcome: SearchOutcome) -> Message:
    ticket = Button(_("Open a ticket"), "kb.open_ticket", str(outcome.search_id or ""))
    if not outcome.hits:
        return Message(
            title=_("No article answers that yet"),
            text=_(
                "I found nothing in the knowledge base for “%(query)s”. Try other words, or open a ticket and "
                "support will answer."
            )
            % {"query": outcome.query},
            buttons=[ticket],
        )
    items = [f"{n}. {hit.title} — {hit.snippet}" for n, hit in enumerate(outcome.hits, start=1)]
    buttons = [Button(_("Read %(n)s") % {"n": n}, "kb.article", hit.id) for n, hit in enumerate(outcome.hits, start=1)]
    value = str(outcome.search_id or "")
    buttons += [
        Button(_("Helpful"), "kb.helpful", value, style="primary"),
        Button(_("Not helpful"), "kb.not_helpful", value),
        ticket,
    ]
    return Message(title=_("Answers for “%(query)s”") % {"query": outcome.query}, items=items, buttons=buttons)


async def answer(req: Request, deps: Deps, query: str) -> list[ReplyItem]:
    assert req.person is not None
    outcome = await _kb(deps).search(
        query,
        language=current_language(),
        role=req.person.role,
        private_chat=req.chat.is_private,
        person_id=req.person.id,
        platform=req.platform,
        now=deps.now(),
    )
    return [Reply(_answer(outcome))]


@router.command("kb", private=False, help=N_("search the knowledge base"), usage=N_("/kb QUESTION"))
async def kb_command(req: Request, deps: Deps) -> list[ReplyItem]:
    return await answer(req, deps, req.args)


@router.text()
async def plain_text(req: Request, deps: Deps) -> list[ReplyItem]:
    return await answer(req, deps, req.args)


# Search answers are shown where they were asked, so reading one is too; what may be read there is the
# domain's decision (internal articles only for staff, only in their private chat).
@router.action("kb.article", private=False)
async def read_article(req: Request, deps: Deps) -> list[ReplyItem]:
    role = req.person.role if req.person is not None else None
    article = await _kb(deps).article(req.value, current_language(), role=role, private_chat=req.chat.is_private)
    body = article.body if len(article.body) <= ARTICLE_PREVIEW else article.body[:ARTICLE_PREVIEW] + " …"
    # The body is the authors' Markdown (the one rich text); the title, like all data, stays plain.
    return [Notice(_("Opening the article…")), Reply(Message(title=article.title, text=Markdown(body)))]


def _search_id(req: Request) -> int:
    try:
        return int(req.value)
    except ValueError:
        raise InvalidInput(N_("That answer is no longer available. Ask your question again.")) from None


@router.action("kb.helpful", private=False)
async def helpful(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await _kb(deps).feedback(_search_id(req), req.person.id, True, deps.now())
    return [Notice(_("Thanks! Glad it helped."))]


@router.action("kb.not_helpful", private=False)
async def not_helpful(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await _kb(deps).feedback(_search_id(req), req.person.id, False, deps.now())
    return [
        Notice(_("Thanks for telling us.")),
        Reply(
            Message(
                text=_("Sorry that did not help. Try other words, or open a ticket."),
                buttons=[Button(_("Open a ticket"), "kb.open_ticket", req.value)],
            )
        ),
    ]


@router.action("kb.open_ticket")
async def open_ticket(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    query = await _kb(deps).request_ticket(_search_id(req), req.person.id, deps.now())
    dispatcher = deps.services[Dispatcher]
    if "ticket.open" in dispatcher.forms:
        return await dispatcher.open_form(req, "ticket.open", {"subject": query[:200], "description": query})
    return [
        Notice(_("Request recorded.")),
        Reply(
            Message(
                text=_(
                    "I recorded your request for help with “%(query)s”. Support tickets in chat are not "
                    "switched on yet, so the support team will contact you."
                )
                % {"query": query}
            )
        ),
    ]


ARTICLES = Path(knowledge_base.__file__).resolve().parent / "articles"


def _kb_services(deps: Deps, setting: Setting) -> Iterable[object]:
    return [KnowledgeBase(deps.uow, sentence_model=setting("kb_sentence_model"))]


async def _warm(deps: Deps) -> None:
    """`serve`: the first partner's question should not pay for building the index and the model."""
    await _kb(deps).warm()


async def _demo_articles(deps: Deps) -> str | None:
    if not ARTICLES.is_dir():
        return None
    summary = await _kb(deps).import_dir(ARTICLES, now=deps.now())
    return f"{summary.created} knowledge-base articles"  # the operator's terminal, like every CLI line


CAPABILITY = Capability(
    name="kb",
    router=router,
    settings=("kb_sentence_model",),
    services=_kb_services,
    demo=DemoData(extra=_demo_articles),
    background=(_warm,),
)
