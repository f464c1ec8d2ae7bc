"""How commission pushes read, rendered in the recipient's language at send time."""

from __future__ import annotations

from typing import Any

from domain.i18n import _
from domain.people import PersonView
from handlers.commissions.routes import router
from handlers.deals.cards import money
from handlers.model import Message


@router.notification("commission.paid")
def render_paid(payload: dict[str, Any], person: PersonView | None) -> Message:
    names = {
        "amount": money(payload.get("amount"), str(payload.get("currency", ""))),
        "line": payload.get("line_id", ""),
    }
    fields = [(_("Period"), str(payload.get("period", "")))]
    if payload.get("deal"):
        fields.append((_("Deal"), f"{payload['deal']} {payload.get('company') or ''}".strip()))
    if payload.get("payout_date"):
        fields.append((_("Payout date"), str(payload["payout_date"])))
    return Message(
        title=_("Commission paid: %(amount)s") % names,
        text=_("Statement line %(line)s is paid.") % names,
        fields=fields,
        footer=_("See all of it with /commission"),
    )


@router.notification("commission.disputed")
def render_disputed(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("%(partner)s disputes commission line %(line)s")
        % {"partner": payload.get("partner", ""), "line": payload.get("line_id", "")},
        text=_("%(who)s opened ticket %(ticket)s.")
        % {"who": payload.get("by", ""), "ticket": payload.get("ticket", "")},
        fields=[
            (_("Amount"), money(payload.get("amount"), str(payload.get("currency", "")))),
            (_("Period"), str(payload.get("period", ""))),
            (_("Status"), str(payload.get("status", ""))),
        ],
    )
