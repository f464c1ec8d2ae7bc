"""How deals read in chat: the CAM's alert (both registrations side by side in a conflict), the
partner's answers and the `deals` list. Every string is a translated template filled with data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from domain.calendar import zone
from domain.deals.queries import DealLine
from domain.i18n import N_, _, format_date, format_moment, format_money, ngettext
from handlers.model import Button, Message

STATUS = {
    "submitted": N_("waiting for the CAM"),
    "conflict": N_("in review (another registration may match)"),
    "info_requested": N_("the CAM asked for information"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "won": N_("won"),
    "lost": N_("lost"),
    "expired": N_("protection expired"),
}


def status_text(status: str) -> str:
    return _(STATUS.get(status, status))


def money(amount: str | Decimal | None, currency: str) -> str:
    if amount in (None, ""):
        return "—"
    try:
        return format_money(Decimal(str(amount)), currency)
    except (ValueError, ArithmeticError):
        return f"{amount} {currency}"


def local_date(value: str | dt.datetime | None, tz: str | None) -> str:
    if not value:
        return "—"
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_date(instant.astimezone(zone(tz)).date())


def days_left(expires_at: dt.datetime | None, now: dt.datetime) -> str:
    if expires_at is None:
        return ""
    days = max(0, (expires_at - now).days)
    return ngettext("%(n)s day of protection left", "%(n)s days of protection left", days) % {"n": days}


def _deal_fields(facts: dict[str, Any]) -> list[tuple[str, str]]:
    fields = [
        (_("Partner"), f"{facts.get('partner', '')} ({facts.get('tier', '')})"),
        (_("Registered by"), str(facts.get("registered_by", ""))),
        (_("Customer"), f"{facts.get('company', '')} · {facts.get('domain', '')}"),
        (_("Contact"), str(facts.get("contact", ""))),
        (_("Amount"), money(facts.get("amount"), str(facts.get("currency", "")))),
        (_("Close date"), str(facts.get("close_date", ""))),
        (_("Product"), str(facts.get("product", ""))),
    ]
    if facts.get("lead"):
        fields.append((_("From lead"), str(facts["lead"])))
    if facts.get("notes"):
        fields.append((_("Notes"), str(facts["notes"])[:500]))
    return fields


def _decided_line(facts: dict[str, Any]) -> str:
    status = str(facts.get("status", ""))
    who, at = facts.get("decided_by"), facts.get("decided_at")
    tz = facts.get("timezone")
    if not who or not at:
        return status_text(status)
    return _("%(status)s by %(name)s, %(at)s") % {
        "status": status_text(status),
        "name": who,
        "at": format_moment(str(at), tz),
    }


def cam_alert(facts: dict[str, Any]) -> Message:
    """The CAM's alert: the deal, the conflicting registration beside it, and the buttons its state allows."""
    ref, status = str(facts["ref"]), str(facts.get("status", ""))
    fields = _deal_fields(facts)
    fields.append((_("Status"), _decided_line(facts)))
    if facts.get("reason"):
        fields.append((_("Reason given"), str(facts["reason"])))
    if facts.get("answer"):
        fields.append((_("Partner's answer"), str(facts["answer"])))
    if status == "approved" and facts.get("expires_at"):
        fields.append((_("Protected until"), local_date(facts["expires_at"], facts.get("timezone"))))
    items: list[str] = []
    other = facts.get("conflict")
    if isinstance(other, dict) and status in ("conflict", "submitted", "info_requested"):
        items.append(
            _("Possible conflict with %(ref)s (%(status)s):")
            % {"ref": other.get("ref"), "status": status_text(str(other.get("status", "")))}
        )
        items += [f"{label}: {value}" for label, value in _deal_fields(other)]
    buttons: list[Button] = []
    if status in ("submitted", "conflict"):
        buttons = [
            Button(_("Approve"), "deal.approve", ref, style="primary"),
            Button(_("Reject"), "deal.reject", ref, style="danger"),
            Button(_("Ask for info"), "deal.info", ref),
        ]
    elif status == "approved":
        if facts.get("extension_requested"):
            buttons = [
                Button(_("Extend protection"), "deal.extend_approve", ref, style="primary"),
                Button(_("Refuse extension"), "deal.extend_refuse", ref),
            ]
            items.append(_("The partner asks to extend the protection."))
        buttons += [Button(_("Mark won"), "deal.won", ref), Button(_("Mark lost"), "deal.lost", ref)]
    return Message(
        title=_("Deal registration %(ref)s: %(company)s") % {"ref": ref, "company": facts.get("company", "")},
        fields=fields,
        items=items,
        buttons=buttons,
    )


def cam_note(facts: dict[str, Any]) -> Message:
    if facts.get("note") == "answered":
        text = _("%(who)s answered on %(ref)s: %(answer)s") % {
            "who": facts.get("registered_by", ""),
            "ref": facts.get("ref", ""),
            "answer": facts.get("answer", ""),
        }
    else:
        text = _("%(who)s asks to extend the protection of %(ref)s.") % {
            "who": facts.get("registered_by", ""),
            "ref": facts.get("ref", ""),
        }
    return Message(text=text)


def decided_message(facts: dict[str, Any]) -> Message:
    """What the partner hears of the CAM's decision (never who else registered the customer)."""
    ref, company = str(facts["ref"]), str(facts.get("company", ""))
    decision = str(facts.get("decision", ""))
    tz = facts.get("timezone")
    names = {
        "ref": ref,
        "company": company,
        "until": local_date(facts.get("expires_at"), tz),
        "reason": facts.get("reason") or "",
    }
    if decision == "approved":
        return Message(
            title=_("Deal %(ref)s is approved") % names,
            text=_("%(company)s is registered to you and protected until %(until)s.") % names,
        )
    if decision == "rejected":
        return Message(
            title=_("Deal %(ref)s was not approved") % names, text=_("%(company)s — reason: %(reason)s") % names
        )
    if decision == "info_requested":
        return Message(
            title=_("Your CAM has a question on deal %(ref)s") % names,
            text=str(facts.get("reason") or ""),
            footer=_("Reply to this message, or send /deal %(ref)s YOUR ANSWER") % names,
        )
    if decision == "extended":
        return Message(text=_("Protection of %(ref)s (%(company)s) is extended until %(until)s.") % names)
    return Message(text=_("The CAM did not extend the protection of %(ref)s; it ends on %(until)s.") % names)


def protection_ending(facts: dict[str, Any]) -> Message:
    days = int(facts.get("days_left", 0) or 0)
    names = {
        "ref": facts["ref"],
        "company": facts.get("company", ""),
        "until": local_date(facts.get("expires_at"), facts.get("timezone")),
    }
    return Message(
        title=ngettext("Protection of %(ref)s ends in %(n)s day", "Protection of %(ref)s ends in %(n)s days", days)
        % {**names, "n": days},
        text=_("%(company)s is protected until %(until)s. Ask your CAM for more time if the deal needs it.") % names,
        buttons=[Button(_("Ask for an extension"), "deal.extend", str(facts["ref"]), style="primary")],
    )


def expired_message(facts: dict[str, Any]) -> Message:
    return Message(
        text=_("The protection of %(ref)s (%(company)s) has ended; the customer is open to other partners again.")
        % {"ref": facts["ref"], "company": facts.get("company", "")}
    )


def closed_message(facts: dict[str, Any]) -> Message:
    names = {"ref": facts["ref"], "company": facts.get("company", "")}
    if facts.get("outcome") == "won":
        text = _("Congratulations: %(ref)s (%(company)s) is won.") % names
        if facts.get("commission"):
            text += " " + _("Commission accrued: %(amount)s.") % {
                "amount": money(facts["commission"], str(facts.get("currency", "")))
            }
        return Message(text=text, footer=_("See it any time with /commission"))
    return Message(text=_("%(ref)s (%(company)s) is recorded as lost.") % names)


def line_text(line: DealLine, now: dt.datetime) -> str:
    parts = [line.ref, line.company, money(line.amount, line.currency), status_text(line.status)]
    if line.status == "approved":
        parts.append(days_left(line.expires_at, now))
        if line.extension_requested:
            parts.append(_("extension asked"))
    if line.lead:
        parts.append(_("from %(lead)s") % {"lead": line.lead})
    return " · ".join(p for p in parts if p)
