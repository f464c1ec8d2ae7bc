"""How program-health pushes read: expiry reminders, tier news, score drops, announcements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput
from domain.health import announcements
from domain.health.announcements import parse_segment, safe
from domain.i18n import N_, _, format_date, format_number, ngettext
from domain.people import PersonView
from handlers.deps import Deps
from handlers.dispatch import Dispatcher
from handlers.model import Button, FormField, FormSpec, Markdown, Message, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("health")

REASONS = {
    "leads": N_("leads missed their follow-up"),
    "deals": N_("no deals registered in 90 days"),
    "certifications": N_("no certification current"),
    "tickets": N_("tickets past their SLA"),
    "engagement": N_("few of its people use the bot"),
}
CATEGORY = {"certification": N_("certification"), "agreement": N_("partner agreement")}


def reasons_text(reasons: list[str]) -> str:
    return ", ".join(_(REASONS.get(r, r)) for r in reasons)


def _date(value: Any) -> str:
    return format_date(dt.date.fromisoformat(str(value))) if value else "—"


def _what(payload: dict[str, Any]) -> str:
    what = f"{_(CATEGORY.get(str(payload.get('category')), str(payload.get('category'))))} {payload.get('kind', '')}"
    return what + (f" ({payload['holder']})" if payload.get("holder") else "")


@router.notification("health.expiring")
def render_expiring(payload: dict[str, Any], person: PersonView | None) -> Message:
    days = int(payload.get("days_left", 0) or 0)
    return Message(
        title=ngettext("%(what)s expires in %(n)s day", "%(what)s expires in %(n)s days", days)
        % {"what": _what(payload), "n": days},
        text=_("It expires on %(date)s. Renew it in time so nothing stops.")
        % {"date": _date(payload.get("expires_on"))},
    )


@router.notification("health.expired")
def render_expired(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("%(partner)s: %(what)s has expired") % {"partner": payload.get("partner", ""), "what": _what(payload)},
        text=_("It expired on %(date)s.") % {"date": _date(payload.get("expires_on"))},
    )


@router.notification("health.tier")
def render_tier(payload: dict[str, Any], person: PersonView | None) -> Message:
    names = {
        "partner": payload.get("partner", ""),
        "tier": payload.get("tier", ""),
        "current": payload.get("current", ""),
        "date": _date(payload.get("review_on")),
        "value": format_number(Decimal(str(payload.get("won_value") or 0))),
        "people": payload.get("certified", 0),
    }
    if payload.get("news") == "advancement":
        title = _("%(partner)s qualifies for %(tier)s") % names
        text = _("Won in the last 12 months: %(value)s; certified people: %(people)s. Review date: %(date)s.") % names
    else:
        title = _("%(partner)s: %(current)s tier at risk") % names
        text = (
            _(
                "Below the %(current)s thresholds before the review on %(date)s: won in 12 months %(value)s, "
                "certified people %(people)s."
            )
            % names
        )
    return Message(title=title, text=text)


@router.notification("health.dropped", offers=("onboarding.open",))
def render_dropped(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("%(partner)s: health %(before)s → %(now)s in a week") % payload,
        text=_("Why: %(reasons)s") % {"reasons": reasons_text(list(payload.get("reasons", []))) or "—"},
        buttons=[
            Button(
                _("Checklist %(partner)s") % {"partner": payload.get("partner_id", "")},
                "onboarding.open",
                str(payload.get("partner_id", "")),
            )
        ],
    )


@router.notification("announcement")
def render_announcement(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(title=_("Program announcement"), text=Markdown(str(payload.get("body", ""))))


ANNOUNCERS = frozenset({"admin", "cam"})


def announce_form() -> FormSpec:
    return FormSpec(
        name="announce",
        title=_("Program announcement"),
        submit_label=_("Send"),
        fields=(
            FormField("body", _("Text (markdown)"), "long_text", max_length=4000),
            FormField(
                "segment",
                _("Segment"),
                required=False,
                max_length=200,
                hint=_("for example tier=gold,region=emea — empty for every partner user"),
            ),
        ),
    )


@router.command("announce", roles=ANNOUNCERS, help=N_("send a program announcement to a segment"))
async def announce_command(req: Request, deps: Deps) -> list[ReplyItem]:
    return await deps.services[Dispatcher].open_form(req, "announce")


@router.form("announce", announce_form, roles=ANNOUNCERS)
async def announce_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    """From a chat the text is one language (the author's); `partnerbot announce` takes a file per language."""
    body = safe(str(values.get("body") or ""))
    if not body:
        raise InvalidInput(N_("The %(language)s version is empty."), language=deps.default_language)
    queued, _plan = await announcements.send(
        deps.uow,
        f"chat:{req.person.email if req.person else ''}",
        {"en": body},
        parse_segment(str(values.get("segment") or "")),
        again=False,
        default_language=deps.default_language,
        now=deps.now(),
    )
    return [Reply(Message(text=ngettext("Sent to %(n)s person.", "Sent to %(n)s people.", queued) % {"n": queued}))]
