"""How every lead push looks, rendered in the recipient's language at send time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from domain.i18n import N_, _
from domain.leads.lookup import LeadCard
from domain.people import PersonView
from handlers.leads.cards import PRIORITY, closed_message, full_fields, held_card, public_fields, when, work_buttons
from handlers.leads.routes import router
from handlers.model import (
    Button,
    Message,
)


@router.notification("lead.offer", offers=("lead.claim",))
def render_offer(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("New lead up for grabs: %(lead)s") % {"lead": payload["lead"]},
        text=_("The first partner to claim it gets it. Open until %(time)s.")
        % {"time": when(payload.get("expires_at"), person)},
        fields=public_fields(payload),
        buttons=[Button(_("Claim"), "lead.claim", payload["ref"], style="primary")],
        footer=_("Contact details are shown to the partner who claims it."),
    )


@router.notification("lead.won", offers=("lead.update", "lead.convert", "lead.release"))
def render_won(payload: dict[str, Any], person: PersonView | None) -> Message:
    """The winner's card, queued with the claim (domain/leads/notifications.py, LeadClaimed)."""
    known = {f.name for f in dataclasses.fields(LeadCard)}
    raw = {k: v for k, v in dict(payload["card"]).items() if k in known}
    for name in ("created_at", "held_since", "offer_expires_at", "acceptance_due_at", "followup_due_at"):
        raw[name] = dt.datetime.fromisoformat(raw[name]) if raw.get(name) else None
    card = LeadCard(**raw)
    title = _("Lead %(lead)s is yours — follow up now") % {"lead": card.external_id}
    return held_card(card, person, dt.datetime.fromisoformat(payload["at"]), title)


@router.notification("lead.offer_closed")
def render_offer_closed(payload: dict[str, Any], person: PersonView | None) -> Message:
    return closed_message(str(payload.get("outcome", "claimed")), payload, person)


@router.notification("lead.assigned", offers=("lead.accept", "lead.decline"))
def render_assigned(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Lead %(lead)s is assigned to your team") % {"lead": payload["lead"]},
        text=_("Accept it by %(time)s, or it moves on to another partner.")
        % {"time": when(payload.get("due_at"), person)},
        fields=public_fields(payload),
        buttons=[
            Button(_("Accept"), "lead.accept", payload["ref"], style="primary"),
            Button(_("Decline"), "lead.decline", payload["ref"], style="danger"),
        ],
    )


@router.notification("lead.reminder", offers=("lead.update", "lead.convert", "lead.release"))
def render_reminder(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Reminder: follow up on lead %(lead)s") % {"lead": payload["lead"]},
        text=_("Record your first progress before %(time)s, or the lead goes back to the pool.")
        % {"time": when(payload.get("due_at"), person)},
        fields=full_fields(payload)[:5],
        buttons=work_buttons(payload["ref"])[:4],
    )


@router.notification("lead.reclaimed")
def render_reclaimed(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Lead %(lead)s was reclaimed") % {"lead": payload["lead"]},
        text=_(
            "No progress was recorded on %(company)s within the %(hours)s-hour follow-up time for %(priority)s "
            "leads (weekends and holidays not counted), so the lead went back to the pool and will be offered "
            "to other partners."
        )
        % {
            "company": payload.get("company", ""),
            "hours": payload.get("sla_hours", ""),
            "priority": _(PRIORITY.get(payload.get("priority", ""), payload.get("priority", ""))),
        },
    )


CAM_TITLES = {
    "unclaimed": N_("Lead %(lead)s was not claimed in time"),
    "reclaimed": N_("Lead %(lead)s was reclaimed from %(partner)s"),
    "declined": N_("%(partner)s declined lead %(lead)s"),
    "not_accepted": N_("%(partner)s did not accept lead %(lead)s in time"),
    "no_partner": N_("No eligible partner is left for lead %(lead)s"),
}
CAM_NEXT = {
    "unclaimed": N_("It now goes to round robin."),
    "reclaimed": N_("No progress within the follow-up SLA; it is offered again without them."),
    "declined": N_("It goes to the next eligible partner."),
    "not_accepted": N_("It goes to the next eligible partner."),
    "no_partner": N_("Assign it directly to a partner if one should take it."),
}


@router.notification("lead.cam_alert", offers=("lead.assign",))
def render_cam_alert(payload: dict[str, Any], person: PersonView | None) -> Message:
    reason = str(payload.get("reason", "unclaimed"))
    partners = payload.get("partners") or []
    params = {"lead": payload.get("lead", ""), "partner": ", ".join(partners) or "—"}
    fields = [(_("Company"), payload.get("company") or ""), *public_fields(payload)]
    if reason == "unclaimed" and partners:
        fields.append((_("Offered to"), ", ".join(partners)))
    buttons = [
        Button(_("Assign to %(partner)s") % {"partner": s["name"]}, "lead.assign", f"{payload['ref']}:{s['id']}")
        for s in payload.get("suggest", [])
    ]
    return Message(
        title=_(CAM_TITLES.get(reason, CAM_TITLES["unclaimed"])) % params,
        text=_(CAM_NEXT.get(reason, CAM_NEXT["unclaimed"])),
        fields=[(k, v) for k, v in fields if v],
        buttons=buttons,
        footer=_("Ask /why %(lead)s to see each partner's eligibility.") % params,
    )


def grouped(code: str) -> str:
    """`ABCDE-FGHJK`: easier to read out on a call; typed with or without the dash."""
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 else code


@router.notification("lead.cam_invite")
def render_cam_invite(payload: dict[str, Any], person: PersonView | None) -> Message:
    """A hot offer went to a partner nobody of which has opened the bot yet: whom to invite, and how."""
    params = {"lead": payload.get("lead", ""), "partner": payload.get("partner", "")}
    return Message(
        title=_("Hot lead %(lead)s: nobody at %(partner)s can be reached yet") % params,
        text=_(
            "They were offered it, but nobody there has opened the bot, so the offer will lapse unseen. "
            "Invite them: each one sends /start with their code to the bot."
        ),
        items=[
            _("%(name)s (%(email)s): code %(code)s")
            % {"name": who.get("name", ""), "email": who.get("email", ""), "code": grouped(str(who.get("code", "")))}
            for who in payload.get("invite", [])
        ],
        fields=[(k, v) for k, v in [(_("Company"), payload.get("company") or ""), *public_fields(payload)] if v],
    )
