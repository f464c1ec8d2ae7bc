"""Support tickets in chat: the ticket form, `tickets`, `queue`, adding to a ticket, the agents' and
the partner's buttons, and how each ticket push reads."""

from __future__ import annotations

import hashlib
from typing import Any

from domain.errors import InvalidInput, UserFacingError
from domain.i18n import N_, _
from domain.kb import KnowledgeBase
from domain.people import PARTNER_ROLES, who_is
from domain.tickets import services
from domain.tickets.desk import Desk
from domain.tickets.lookup import AGENTS
from domain.tickets.models import reference
from handlers.deps import Deps
from handlers.dispatch import Dispatcher
from handlers.model import Button, ChatKind, FormField, FormSpec, Message, Notice, Reply, ReplyItem, Request
from handlers.router import Router
from handlers.tickets.cards import (
    CATEGORY,
    SEVERITY,
    line_text,
    opened_message,
)

router = Router("tickets")
STAFF_CHATS = frozenset({ChatKind.GROUP, ChatKind.CHANNEL})  # the support channel, where root messages are


def desk(deps: Deps) -> Desk:
    return deps.services[Desk]


def ticket_form() -> FormSpec:
    return FormSpec(
        name="ticket.open",
        title=_("Open a support ticket"),
        submit_label=_("Open ticket"),
        fields=(
            FormField("category", _("Category"), "choice", choices=tuple((k, _(v)) for k, v in CATEGORY.items())),
            FormField("severity", _("Severity"), "choice", choices=tuple((k, _(v)) for k, v in SEVERITY.items())),
            FormField("subject", _("Subject"), max_length=200, hint=_("One line: what is wrong"), live=True),
            FormField(
                "description",
                _("Description"),
                "long_text",
                max_length=4000,
                hint=_("What happened, what you expected, any ids"),
            ),
            FormField("related", _("Related deal, lead or statement id"), required=False, max_length=100),
        ),
    )


def needs_info_form() -> FormSpec:
    return FormSpec(
        name="ticket.needs_info",
        title=_("Ask the partner"),
        submit_label=_("Send question"),
        fields=(FormField("question", _("Question"), "long_text", max_length=4000),),
    )


@router.command(
    "ticket",
    roles=PARTNER_ROLES | AGENTS,
    help=N_("open a support ticket, or add to one"),
    usage=N_("/ticket [T-000042 MESSAGE]"),
)
async def ticket_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref, _sep, text = req.args.strip().partition(" ")
    if ref and text.strip():
        return await _add_to(req, deps, ref, text)
    if ref:
        raise InvalidInput(N_("Send the ticket and your message together, like this: /ticket T-000042 It works now."))
    if req.person.role not in PARTNER_ROLES:
        raise InvalidInput(
            N_("Reply to a ticket with /ticket T-000042 YOUR REPLY (start with note: for the team only).")
        )
    return await deps.services[Dispatcher].open_form(req, "ticket.open")


async def _add_to(req: Request, deps: Deps, ref: str, text: str) -> list[ReplyItem]:
    assert req.person is not None
    if req.person.role in PARTNER_ROLES:
        ticket = await services.partner_writes(deps.uow, req.person, ref, text, deps.now(), desk(deps))
        return [Reply(Message(text=_("Added to %(ref)s. The support team sees it.") % {"ref": ticket.ref}))]
    ticket = await services.agent_replies(deps.uow, req.person, ref, text, deps.now(), desk(deps))
    internal = text.strip().lower().startswith("note:")
    said = _("Note kept on %(ref)s; the partner does not see it.") if internal else _("Sent to the partner on %(ref)s.")
    return [Reply(Message(text=said % {"ref": ticket.ref}))]


@router.reply("ticket", roles=PARTNER_ROLES | AGENTS, chats=STAFF_CHATS)
async def thread_reply(req: Request, deps: Deps) -> list[ReplyItem]:
    """A reply to one of a ticket's messages: in the thread of its root message, the agent's answer to the
    partner (`note:` keeps it internal); to a ticket message in the partner's chat, the partner's words."""
    ticket_id = (req.reply_to or "").partition(":")[2].partition(":")[0]
    return await _add_to(req, deps, reference(int(ticket_id)) if ticket_id.isdigit() else ticket_id, req.args)


def _submission_key(req: Request, values: dict[str, Any]) -> str:
    """The same form sent twice (a double tap, a redelivered modal) is one ticket."""
    text = "|".join(str(values.get(k) or "") for k in ("category", "severity", "subject", "description", "related"))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


async def suggest_articles(req: Request, deps: Deps, field: str, value: Any) -> list[ReplyItem]:
    """After the subject: articles that may answer it already. The search is recorded, so a partner
    who stops here counts as deflected (no ticket within 24 h) in `report support`."""
    knowledge = deps.services.get(KnowledgeBase)
    if field != "subject" or knowledge is None or req.person is None or not str(value or "").strip():
        return []
    try:
        outcome = await knowledge.search(
            str(value),
            language=req.person.language or deps.default_language,
            top=3,
            role=req.person.role,
            private_chat=req.chat.is_private,
            person_id=req.person.id,
            platform=req.platform,
            now=deps.now(),
        )
    except UserFacingError:
        return []
    if not outcome.hits:
        return []
    return [
        Reply(
            Message(
                title=_("Does one of these answer it?"),
                items=[f"{n}. {hit.title}" for n, hit in enumerate(outcome.hits, start=1)],
                buttons=[
                    Button(_("Read %(n)s") % {"n": n}, "kb.article", hit.id)
                    for n, hit in enumerate(outcome.hits, start=1)
                ],
                footer=_("If one does, send /cancel; otherwise answer the next question."),
            )
        )
    ]


@router.form("ticket.open", ticket_form, roles=PARTNER_ROLES, answered=suggest_articles)
async def ticket_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    assert req.person is not None
    opened = await services.open_ticket(
        deps.uow,
        req.person,
        category=str(values["category"]),
        severity=str(values["severity"]),
        subject=str(values["subject"]),
        description=str(values["description"]),
        related=str(values.get("related") or "") or None,
        submission_key=_submission_key(req, values),
        now=deps.now(),
        desk=desk(deps),
    )
    tz = req.person.timezone or desk(deps).calendar.timezone
    return [Reply(opened_message(opened.ref, opened.dues, tz, opened.repeat_of))]


FROM_MESSAGE_CATEGORY, FROM_MESSAGE_SEVERITY = "technical_product", "medium"


@router.action("ticket.from_message", chats=STAFF_CHATS, private=False)
async def from_message_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """A `:ticket:` reaction on a message: a ticket for the message's author (a partner), opened by them or
    by the support team; the same message twice is one ticket. Category and severity start at technical
    / medium; the agent changes them by working the ticket."""
    assert req.person is not None
    author = await who_is(deps.uow, req.platform, req.values.get("author", "")) if req.values.get("author") else None
    if author is None or author.role not in PARTNER_ROLES:
        return [Notice(_("Only a message written by a partner user can become a ticket."), alert=True)]
    if req.person.id != author.id and req.person.role not in AGENTS:
        return [Notice(_("Only the author or the support team can open a ticket from a message."), alert=True)]
    text = req.values.get("text", "")
    opened = await services.open_ticket(
        deps.uow,
        author,
        category=FROM_MESSAGE_CATEGORY,
        severity=FROM_MESSAGE_SEVERITY,
        subject=text.split("\n", 1)[0][:200],
        description=text[:4000],
        related=None,
        submission_key=f"message:{req.value}"[:64],
        now=deps.now(),
        desk=desk(deps),
    )
    said = _("Ticket %(ref)s is open for %(name)s.") if opened.created else _("This message is already ticket %(ref)s.")
    return [Reply(Message(text=said % {"ref": opened.ref, "name": author.name}))]


@router.command("tickets", roles=PARTNER_ROLES, help=N_("your open tickets and when they are due"))
async def tickets_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    lines = await services.partner_tickets(deps.uow, req.person)
    if not lines:
        return [Reply(Message(text=_("You have no open tickets. Open one with /ticket.")))]
    now = deps.now()
    buttons = [
        Button(_("Confirm %(ref)s is fixed") % {"ref": t.ref}, "ticket.confirm", t.ref)
        for t in lines
        if t.status == "resolved"
    ][:5]
    return [
        Reply(
            Message(
                title=_("Your tickets"), items=[line_text(t, req.person, now, False) for t in lines], buttons=buttons
            )
        )
    ]


@router.command("queue", roles=AGENTS, help=N_("open tickets by due time, overdue first"))
async def queue_command(req: Request, deps: Deps) -> list[ReplyItem]:
    now = deps.now()
    lines = await services.queue(deps.uow, now)
    if not lines:
        return [Reply(Message(text=_("No open tickets. Well done.")))]
    buttons = [Button(_("Take %(ref)s") % {"ref": t.ref}, "ticket.take", t.ref) for t in lines if not t.assignee][:5]
    return [
        Reply(
            Message(
                title=_("Support queue"), items=[line_text(t, req.person, now, True) for t in lines], buttons=buttons
            )
        )
    ]


@router.action("ticket.take", roles=AGENTS, chats=STAFF_CHATS, private=False)
async def take_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ticket = await services.take(deps.uow, req.person, req.value, deps.now(), desk(deps))
    return [Notice(_("%(ref)s is yours.") % {"ref": ticket.ref})]


@router.action("ticket.needs_info", roles=AGENTS, chats=STAFF_CHATS, private=False)
async def needs_info_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await services.find(deps.uow, req.person, req.value)  # refuse an unknown ticket before the question is typed
    return await deps.services[Dispatcher].open_form(req, "ticket.needs_info", context={"ticket": req.value})


@router.form("ticket.needs_info", needs_info_form, roles=AGENTS, chats=STAFF_CHATS)
async def needs_info_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    assert req.person is not None
    ref = str(context.get("ticket") or "")
    ticket = await services.ask_partner(deps.uow, req.person, ref, str(values["question"]), deps.now(), desk(deps))
    return [
        Reply(Message(text=_("Asked the partner on %(ref)s; the SLA waits for their answer.") % {"ref": ticket.ref}))
    ]


@router.action("ticket.escalate", roles=AGENTS, chats=STAFF_CHATS, private=False)
async def escalate_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await services.escalate(deps.uow, req.person, req.value, "agent", deps.now(), desk(deps))
    return [Notice(_("Escalated."))]


@router.action("ticket.resolve", roles=AGENTS, chats=STAFF_CHATS, private=False)
async def resolve_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ticket = await services.resolve(deps.uow, req.person, req.value, None, deps.now(), desk(deps))
    return [Notice(_("%(ref)s is resolved; the partner is asked to confirm.") % {"ref": ticket.ref})]


@router.action("ticket.save_article", roles=AGENTS, chats=STAFF_CHATS, private=False)
async def save_article_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    saved = await services.save_article(deps.uow, req.person, req.value, deps.now())
    text = (
        _("Saved as the draft article %(id)s; an admin publishes it with: partnerbot kb publish %(id)s")
        if saved.created
        else _("The draft article %(id)s exists already.")
    )
    return [Notice(text % {"id": saved.article_id})]


@router.action("ticket.confirm", roles=PARTNER_ROLES)
async def confirm_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ticket = await services.confirm(deps.uow, req.person, req.value, deps.now(), desk(deps))
    return [
        Notice(_("Thanks!")),
        Reply(Message(text=_("%(ref)s is closed. Thank you for confirming.") % {"ref": ticket.ref})),
    ]


@router.action("ticket.reopen", roles=PARTNER_ROLES)
async def reopen_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ticket = await services.reopen(deps.uow, req.person, req.value, deps.now(), desk(deps))
    assert ticket is not None
    return [
        Reply(
            Message(
                text=_(
                    "%(ref)s is open again; the support team is told. Add what is still wrong with "
                    "/ticket %(ref)s YOUR MESSAGE"
                )
                % {"ref": ticket.ref}
            )
        )
    ]
