"""How a lead looks in chat: its fields, cards and buttons, shared by the commands and the pushes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.errors import InvalidInput
from domain.i18n import N_, _, format_duration, format_moment, format_money, format_number
from domain.leads.lookup import LeadCard
from domain.leads.policy import HOLDING, LeadPolicy
from domain.people import PersonView
from handlers.deps import Deps
from handlers.model import (
    Button,
    Message,
)

CAM_ROLES = frozenset({"cam", "admin"})

PRIORITY = {"hot": N_("hot"), "warm": N_("warm"), "cold": N_("cold")}
STATUS = {
    "new": N_("new"),
    "offered": N_("offered"),
    "assigned": N_("waiting for acceptance"),
    "claimed": N_("claimed"),
    "accepted": N_("accepted"),
    "contacted": N_("contacted"),
    "meeting": N_("meeting"),
    "qualified": N_("qualified"),
    "converted": N_("converted"),
    "disqualified": N_("disqualified"),
    "expired": N_("expired"),
}


def lead_policy(deps: Deps) -> LeadPolicy:
    return deps.services.get(LeadPolicy) or LeadPolicy(calendar=deps.calendar)


def person_timezone(person: PersonView | None, deps: Deps | None = None) -> str:
    return (person.timezone if person else None) or (deps.calendar.timezone if deps else "UTC")


def when(value: str | dt.datetime | None, person: PersonView | None) -> str:
    """A deadline as a phone shows it, in the reader's zone and saying which ("Mon, Dec 7 2:15 PM CET"),
    as ticket due times read: a CAM in Lisbon and a partner in Berlin see the same instant."""
    return format_moment(value, person_timezone(person))


def money(value: Any, currency: str) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_money(float(value), currency) if currency else format_number(float(value))
    except (ValueError, TypeError):
        return str(value)


def public_fields(p: dict[str, Any]) -> list[tuple[str, str]]:
    """What an offer shows: size, region, vertical, product, value, priority, never contact details."""
    region = str(p.get("region", "")).upper() + (f" ({p['country']})" if p.get("country") else "")
    fields = [
        (_("Priority"), _(PRIORITY.get(p.get("priority", ""), p.get("priority", "")))),
        (_("Region"), region),
        (_("Vertical"), p.get("vertical") or ""),
        (_("Product"), p.get("product") or ""),
        (_("Company size"), p.get("size") or ""),
        (_("Estimated value"), money(p.get("value"), p.get("currency") or "")),
    ]
    return [(k, v) for k, v in fields if v]


def full_fields(p: dict[str, Any]) -> list[tuple[str, str]]:
    fields = [
        (_("Company"), p.get("company") or ""),
        (_("Domain"), p.get("domain") or ""),
        (_("Contact"), p.get("contact_name") or ""),
        (_("Email"), p.get("contact_email") or ""),
        (_("Phone"), p.get("contact_phone") or ""),
        (_("Campaign"), p.get("campaign") or ""),
        (_("Notes"), p.get("notes") or ""),
    ]
    return [(k, v) for k, v in fields if v]


def card_payload(card: LeadCard) -> dict[str, Any]:
    return {
        "lead": card.external_id,
        "ref": card.ref,
        "priority": card.priority,
        "region": card.region,
        "country": card.country,
        "vertical": card.vertical,
        "product": card.product,
        "size": card.size,
        "value": card.value,
        "currency": card.currency,
        "company": card.company,
        "domain": card.domain,
        "contact_name": card.contact_name,
        "contact_email": card.contact_email,
        "contact_phone": card.contact_phone,
        "campaign": card.campaign,
        "notes": card.notes,
    }


def work_buttons(ref: str) -> list[Button]:
    """One-tap progress, conversion and release; values stay within Telegram's 64 bytes."""
    return [
        Button(_("Contacted"), "lead.update", f"{ref}:contacted", style="primary"),
        Button(_("Meeting set"), "lead.update", f"{ref}:meeting"),
        Button(_("Qualified"), "lead.update", f"{ref}:qualified"),
        Button(_("Disqualify"), "lead.update", f"{ref}:disqualified", style="danger"),
        Button(_("Convert to deal"), "lead.convert", ref),
        Button(_("Release"), "lead.release", ref),
    ]


def sla_text(card: LeadCard, now: dt.datetime, person: PersonView | None = None) -> str:
    """Time left and the deadline itself (business days: a weekend can sit inside the time left)."""
    if card.followup_due_at is not None:
        left = card.followup_due_at - now
        if left.total_seconds() <= 0:
            return _("follow-up overdue")
        return _("%(left)s left to follow up, until %(time)s") % {
            "left": format_duration(left),
            "time": when(card.followup_due_at, person),
        }
    if card.acceptance_due_at is not None:
        left = max(card.acceptance_due_at - now, dt.timedelta())
        return _("%(left)s left to accept, until %(time)s") % {
            "left": format_duration(left),
            "time": when(card.acceptance_due_at, person),
        }
    return ""


def held_card(card: LeadCard, person: PersonView | None, now: dt.datetime, title: str | None = None) -> Message:
    """The whole lead, for the partner who holds it: contact details and the work buttons."""
    fields = full_fields(card_payload(card)) + public_fields(card_payload(card))
    fields.append((_("Stage"), _(STATUS.get(card.status, card.status))))
    sla = sla_text(card, now, person)
    if sla:
        fields.append((_("Follow-up"), sla))
    return Message(
        title=title or _("Lead %(lead)s") % {"lead": card.external_id},
        fields=fields,
        buttons=work_buttons(card.ref) if card.status in HOLDING else [],
    )


def assigned_card(card: LeadCard, now: dt.datetime, person: PersonView | None = None) -> Message:
    return Message(
        title=_("Lead %(lead)s is waiting for your answer") % {"lead": card.external_id},
        text=sla_text(card, now, person),
        fields=public_fields(card_payload(card)),
        buttons=[
            Button(_("Accept"), "lead.accept", card.ref, style="primary"),
            Button(_("Decline"), "lead.decline", card.ref, style="danger"),
        ],
    )


# Commands


def closed_message(outcome: str, p: dict[str, Any], person: PersonView | None, *, by_self: bool = False) -> Message:
    lead = p.get("lead", "")
    same_team = person is not None and person.partner_id is not None and person.partner_id == p.get("by_partner_id")
    me = by_self or (person is not None and person.id == p.get("by_person_id"))
    name = p.get("by_name") or ""
    if outcome in ("claimed", "accepted"):
        if me:
            text = (_("You claimed lead %(lead)s.") if outcome == "claimed" else _("You accepted lead %(lead)s.")) % {
                "lead": lead
            }
        elif same_team:
            text = _("%(name)s of your team took lead %(lead)s.") % {"name": name, "lead": lead}
        else:
            text = _("Lead %(lead)s was claimed by another partner.") % {"lead": lead}
    elif outcome == "declined":
        text = _("Lead %(lead)s was declined by %(name)s.") % {"lead": lead, "name": name}
    elif outcome == "expired":
        text = _("Lead %(lead)s is no longer offered to you.") % {"lead": lead}
    else:
        text = _("Lead %(lead)s was withdrawn by the channel team.") % {"lead": lead}
    return Message(title=_("Lead %(lead)s — closed") % {"lead": lead}, text=text, fields=public_fields(p))


def split_value(value: str) -> tuple[str, str]:
    ref, sep, rest = (value or "").rpartition(":")
    if not sep or not ref:
        raise InvalidInput(N_("This button is no longer valid. Send /leads to see your leads."))
    return ref, rest
