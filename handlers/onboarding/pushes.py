"""How onboarding pushes read, rendered in the recipient's language at send time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.i18n import N_, _, format_date, ngettext
from domain.onboarding.review import timeline_png
from domain.people import PersonView
from handlers.model import Attachment, Button, Message
from handlers.onboarding.routes import router

ALERT_KINDS = {
    "not_done": N_("not done"),
    "below_percent": N_("less than half done"),
    "no_attempt": N_("no attempt yet"),
    "not_passed": N_("not passed"),
    "not_started": N_("not started"),
}


def _date(value: Any) -> str:
    return format_date(dt.date.fromisoformat(str(value))) if value else "—"


@router.notification("onboarding.nudge", offers=("nudge.done", "nudge.snooze", "nudge.confirm"))
def render_nudge(payload: dict[str, Any], person: PersonView | None) -> Message:
    names = {"title": _(str(payload.get("title", ""))), "date": _date(payload.get("due_on"))}
    buttons = [Button(_("Remind me in 3 days"), "nudge.snooze", str(payload.get("milestone", "")))]
    if not payload.get("verified"):
        buttons.insert(0, Button(_("Done"), "nudge.done", str(payload.get("milestone", "")), style="primary"))
    text = (
        _("Register it with /deal — it counts by itself.")
        if payload.get("milestone") == "first_deal"
        else _("Your checklist: /onboarding")
    )
    return Message(title=_("Next onboarding step: %(title)s, due by %(date)s") % names, text=text, buttons=buttons)


def alert_line(line: dict[str, Any]) -> str:
    partner = f"{line.get('partner', '')} ({line.get('partner_id', '')})"
    kind = str(line.get("kind", ""))
    if kind == "no_linked_person":
        return _(
            "%(partner)s: nobody has opened the bot yet, so nobody can be nudged; "
            "invite them (partnerbot link-code EMAIL)"
        ) % {"partner": partner}
    if kind == "timezone":
        return _("%(partner)s: its timezone %(tz)s is not a real zone; the program's timezone is used") % {
            "partner": partner,
            "tz": line.get("note") or "",
        }
    said = f"{partner}: {_(str(line.get('title', '')))}: {_(ALERT_KINDS.get(kind, kind))}"
    late = int(line.get("days_late", 0) or 0)
    if late:
        said += ", " + ngettext("%(n)s day late", "%(n)s days late", late) % {"n": late}
    return said


@router.notification("onboarding.alerts", offers=("onboarding.open",))
def render_alerts(payload: dict[str, Any], person: PersonView | None) -> Message:
    lines = list(payload.get("lines", []))
    ids = list(dict.fromkeys(str(line.get("partner_id", "")) for line in lines))
    return Message(
        title=_("Onboarding needs you: %(n)s") % {"n": len(lines)},
        items=[alert_line(line) for line in lines],
        buttons=[Button(_("Checklist %(partner)s") % {"partner": pid}, "onboarding.open", pid) for pid in ids[:5]],
    )


STATUS = {"done": "✓", "attempted": "…", "open": "○"}


@router.notification("onboarding.review", offers=("onboarding.open",))
def render_review(payload: dict[str, Any], person: PersonView | None) -> Message:
    steps = [
        f"{STATUS.get(str(s.get('status')), '○')} {_(str(s.get('title', '')))} — "
        + (
            _("done %(date)s") % {"date": _date(s.get("done_on"))}
            if s.get("done_on")
            else _("due %(date)s") % {"date": _date(s.get("due_on"))}
        )
        for s in payload.get("steps", [])
    ]
    certificates = [
        f"{c.get('milestone')}: {c.get('status')} {_date(c.get('at'))}"
        + (f" · {c.get('person')}" if c.get("person") else "")
        for c in payload.get("certifications", [])
    ]
    return Message(
        title=_("90-day review: %(partner)s (%(id)s)")
        % {"partner": payload.get("partner", ""), "id": payload.get("partner_id", "")},
        fields=[
            (_("Joined"), _date(payload.get("joined_on"))),
            (_("Leads claimed"), str(payload.get("leads_claimed", 0))),
            (_("Deals registered"), str(payload.get("deals_registered", 0))),
            (_("Certifications"), ", ".join(certificates) or _("none yet")),
        ],
        items=steps,
        attachment=Attachment(
            f"onboarding-{payload.get('partner_id', 'partner')}.png",
            timeline_png(payload),
            _("Onboarding timeline: %(partner)s") % {"partner": payload.get("partner", "")},
        ),
        buttons=[
            Button(
                _("Checklist %(partner)s") % {"partner": payload.get("partner_id", "")},
                "onboarding.open",
                str(payload.get("partner_id", "")),
            )
        ],
    )
