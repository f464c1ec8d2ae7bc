"""How tickets read in chat: due times with their reasons, the support channel's root message, lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.i18n import N_, _, format_duration, format_moment
from domain.people import PersonView
from domain.tickets import sla
from domain.tickets.queries import TicketLine
from handlers.model import Button, Message

CATEGORY = {
    "platform_access": N_("Platform and portal access"),
    "deal_registration": N_("Deal registration and pipeline"),
    "commission_payment": N_("Commission and payment"),
    "mdf_incentives": N_("MDF and incentive programs"),
    "training_certification": N_("Training and certification"),
    "contract_policy": N_("Contract and program policy"),
    "technical_product": N_("Technical and product"),
    "marketing_assets": N_("Marketing and assets"),
}
SEVERITY = {"critical": N_("critical"), "high": N_("high"), "medium": N_("medium"), "low": N_("low")}
STATUS = {
    "submitted": N_("submitted"),
    "triage": N_("in triage"),
    "in_progress": N_("in progress"),
    "waiting_on_partner": N_("waiting for the partner"),
    "resolved": N_("resolved, waiting for confirmation"),
    "closed": N_("closed"),
}


def reason_text(reason: sla.Reason) -> str:
    """One piece of why a due time is what it is, in words."""
    p = reason.params
    if reason.code == "severity":
        return _("%(severity)s severity") % {"severity": _(SEVERITY.get(p.get("severity", ""), p.get("severity", "")))}
    if reason.code == "tier":
        return _("%(tier)s tier ×%(factor)s") % {"tier": p.get("tier", ""), "factor": p.get("factor", "")}
    if reason.code == "category":
        name = p.get("category", "")
        return _("%(category)s target") % {"category": _(CATEGORY.get(name, name))}
    if reason.code == "paused":
        minutes = int(p.get("minutes", "0") or 0)
        return _("paused %(time)s waiting for you") % {"time": format_duration(dt.timedelta(minutes=minutes))}
    return reason.code


def explained(due: sla.Due, tz: str | None) -> str:
    """ "Tue 14:00 CET (high severity, gold tier ×0.75)": the due time and why."""
    reasons = ", ".join(reason_text(r) for r in due.reasons)
    return f"{format_moment(due.at, tz)} ({reasons})" if reasons else format_moment(due.at, tz)


def opened_message(ref: str, dues: sla.Dues, tz: str | None, repeat_of: str | None) -> Message:
    lines = [
        _("First response due %(when)s.") % {"when": explained(dues.first_response, tz)},
        _("Resolution due %(when)s.") % {"when": explained(dues.resolution, tz)},
    ]
    if repeat_of:
        lines.append(_("It looks like %(earlier)s, so the two are linked.") % {"earlier": repeat_of})
    return Message(
        title=_("Ticket %(ref)s is open") % {"ref": ref},
        text="\n".join(lines),
        footer=_("Add to it any time: /ticket %(ref)s YOUR MESSAGE") % {"ref": ref},
    )


def _left(due: str, as_of: str | None) -> str:
    """ "in 1 hour" / "overdue by 20 minutes" as of the push's instant (the root is refreshed by the sweep)."""
    if not as_of:
        return ""
    gap = dt.datetime.fromisoformat(due) - dt.datetime.fromisoformat(as_of)
    if gap >= dt.timedelta():
        return " (" + _("in %(time)s") % {"time": format_duration(gap)} + ")"
    return " (" + _("overdue by %(time)s") % {"time": format_duration(-gap)} + ")"


def due_line(payload: dict[str, Any], person: PersonView | None = None) -> str:
    """The due times in the recipient's timezone when the push is to a person, else (a channel) in the
    partner's, whose business hours the SLA counts."""
    tz, as_of = (person.timezone if person else None) or payload.get("timezone"), payload.get("as_of")
    if payload.get("status") == "waiting_on_partner":
        return _("SLA paused while waiting for the partner.")
    parts = []
    if payload.get("first_response_due_at"):
        due = str(payload["first_response_due_at"])
        parts.append(_("first response due %(when)s") % {"when": format_moment(due, tz)} + _left(due, as_of))
    if payload.get("resolution_due_at"):
        due = str(payload["resolution_due_at"])
        parts.append(_("resolution due %(when)s") % {"when": format_moment(due, tz)} + _left(due, as_of))
    return "; ".join(parts)


def ticket_fields(payload: dict[str, Any]) -> list[tuple[str, str]]:
    category = str(payload.get("category", ""))
    fields = [
        (_("Partner"), f"{payload.get('partner', '')} ({payload.get('tier', '')})"),
        (_("Category"), _(CATEGORY.get(category, category))),
        (_("Severity"), _(SEVERITY.get(str(payload.get("severity", "")), str(payload.get("severity", ""))))),
        (
            _("Status"),
            _(STATUS.get(str(payload.get("status", "")), str(payload.get("status", ""))))
            + (" · " + _("escalated") if payload.get("escalated") else ""),
        ),
        (_("Assignee"), str(payload.get("assignee") or _("nobody yet"))),
    ]
    if payload.get("repeat_of"):
        fields.append((_("Repeat of"), str(payload["repeat_of"])))
    return fields


def root_message(payload: dict[str, Any], person: PersonView | None = None) -> Message:
    """The support channel's message of one ticket, edited in place as it changes."""
    ref = str(payload.get("ref", ""))
    status = payload.get("status")
    buttons: list[Button] = []
    if status in ("submitted", "triage", "in_progress"):
        if not payload.get("assignee"):
            buttons.append(Button(_("Take"), "ticket.take", ref, style="primary"))
        buttons.append(Button(_("Ask the partner"), "ticket.needs_info", ref))
        if not payload.get("escalated"):
            buttons.append(Button(_("Escalate"), "ticket.escalate", ref, style="danger"))
        buttons.append(Button(_("Resolve"), "ticket.resolve", ref))
    elif status in ("resolved", "closed"):
        buttons.append(Button(_("Save as a KB article"), "ticket.save_article", ref))
    return Message(
        title=f"{ref} · {payload.get('subject', '')}",
        fields=ticket_fields(payload),
        text=due_line(payload, person),
        buttons=buttons,
        footer=_("Reply in this thread to answer the partner; start with note: to keep it internal."),
    )


def line_text(line: TicketLine, person: PersonView | None, now: dt.datetime, staff: bool) -> str:
    due = line.next_due
    tz = (person.timezone if person else None) or line.timezone
    if line.status == "waiting_on_partner":
        when = _("waiting for the partner") if staff else _("waiting for your answer")
    elif due is None:
        when = _(STATUS.get(line.status, line.status))
    elif due <= now:
        when = _("overdue since %(when)s") % {"when": format_moment(due, tz)}
    else:
        when = _("due %(when)s") % {"when": format_moment(due, tz)}
    who = f"{line.partner} · " if staff else ""
    flag = " ⚠" if line.escalated else ""
    return f"{line.ref}{flag} {who}{line.subject} — {_(SEVERITY.get(line.severity, line.severity))}, {when}"
