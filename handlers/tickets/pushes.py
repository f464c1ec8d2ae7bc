"""How every ticket push reads, rendered in the recipient's language at send time."""

from __future__ import annotations

from typing import Any

from domain.i18n import _
from domain.people import PersonView
from handlers.model import Button, Message
from handlers.tickets.cards import due_line, root_message, ticket_fields
from handlers.tickets.routes import router


@router.notification("ticket.root", offers=("ticket.take", "ticket.needs_info", "ticket.escalate", "ticket.resolve"))
def render_root(payload: dict[str, Any], person: PersonView | None) -> Message:
    return root_message(payload, person)


@router.notification("ticket.new", offers=("ticket.take",))
def render_new(payload: dict[str, Any], person: PersonView | None) -> Message:
    message = root_message(payload, person)
    message.title = _("New ticket %(ref)s: %(subject)s") % {"ref": payload["ref"], "subject": payload["subject"]}
    return message


@router.notification("ticket.question")
def render_question(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Question on your ticket %(ref)s") % {"ref": payload["ref"]},
        text=str(payload.get("text", "")),
        fields=[(_("Subject"), str(payload.get("subject", ""))), (_("From"), str(payload.get("agent", "")))],
        footer=_("Answer with /ticket %(ref)s YOUR ANSWER — the clock waits for you.") % {"ref": payload["ref"]},
    )


@router.notification("ticket.reply")
def render_reply(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Reply on your ticket %(ref)s") % {"ref": payload["ref"]},
        text=str(payload.get("text", "")),
        fields=[(_("From"), str(payload.get("agent", "")))],
        footer=_("Answer with /ticket %(ref)s YOUR MESSAGE") % {"ref": payload["ref"]},
    )


@router.notification("ticket.partner_wrote")
def render_partner_wrote(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("%(who)s on %(ref)s") % {"who": payload.get("author", ""), "ref": payload["ref"]},
        text=str(payload.get("text", "")),
        footer=due_line(payload, person),
    )


@router.notification("ticket.resolved", offers=("ticket.confirm", "ticket.reopen"))
def render_resolved(payload: dict[str, Any], person: PersonView | None) -> Message:
    ref = str(payload["ref"])
    return Message(
        title=_("Your ticket %(ref)s is resolved") % {"ref": ref},
        text=str(payload.get("resolution") or ""),
        buttons=[
            Button(_("Yes, it is fixed"), "ticket.confirm", ref, style="primary"),
            Button(_("No, not fixed"), "ticket.reopen", ref),
        ],
        footer=_("Without an answer in 3 business days the team looks at it again."),
    )


@router.notification("ticket.escalated")
def render_escalated(payload: dict[str, Any], person: PersonView | None) -> Message:
    history = [
        f"{h.get('at', '')[:16]} {h.get('who', '')} ({h.get('kind', '')}): {h.get('text', '')}"
        for h in payload.get("history", [])
    ]
    return Message(
        title=_("Escalated: %(ref)s · %(subject)s") % {"ref": payload["ref"], "subject": payload["subject"]},
        text=_("Why: %(reason)s. %(due)s") % {"reason": payload.get("reason", ""), "due": due_line(payload, person)},
        fields=ticket_fields(payload),
        items=history,
    )


@router.notification("ticket.escalated_partner")
def render_escalated_partner(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Your ticket %(ref)s was escalated") % {"ref": payload["ref"]},
        text=_("%(owner)s now owns it. %(due)s")
        % {"owner": payload.get("owner") or _("The support manager"), "due": due_line(payload, person)},
    )


@router.notification("ticket.sla_reminder")
def render_sla_reminder(payload: dict[str, Any], person: PersonView | None) -> Message:
    which = _("first response") if payload.get("which") == "first_response" else _("resolution")
    return Message(
        title=_("%(ref)s: 75 %% of the %(which)s time is gone") % {"ref": payload["ref"], "which": which},
        text=due_line(payload, person),
        fields=ticket_fields(payload),
    )


@router.notification("ticket.reopened")
def render_reopened(payload: dict[str, Any], person: PersonView | None) -> Message:
    why = (
        _("The partner says it is not fixed.")
        if payload.get("why") == "not_fixed"
        else _("The partner did not confirm the resolution within 3 business days.")
    )
    return Message(title=_("%(ref)s is open again") % {"ref": payload["ref"]}, text=why, fields=ticket_fields(payload))
