"""Deal registration in chat: the form with its live conflict warning, `deal`, `deals`, the CAM's buttons
and reason forms, the partner's answer and extension request, and the outcome buttons."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from domain.calendar import zone
from domain.deals import services
from domain.deals.policy import DealPolicy
from domain.deals.registration import FieldError
from domain.deals.validation import (
    check_close_date,
    check_currency,
    parse_date,
    parse_deal_amount,
    registrable_domain,
)
from domain.errors import InvalidInput
from domain.i18n import N_, _, current_language
from domain.people import PARTNER_ROLES
from handlers.deals.cards import cam_alert, line_text
from handlers.deps import Deps
from handlers.dispatch import Dispatcher
from handlers.errors import error_reply
from handlers.model import Button, ChatKind, FormErrors, FormField, FormSpec, Message, Notice, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("deals")
CAM_ROLES = frozenset({"cam", "admin"})
CAM_CHATS = frozenset({ChatKind.PRIVATE, ChatKind.GROUP, ChatKind.CHANNEL})  # where CAM alerts are shown


def policy(deps: Deps) -> DealPolicy:
    return deps.services[DealPolicy]


def _amount(text: str) -> str:
    return str(parse_deal_amount(text, current_language()))


def _date(text: str) -> str:
    """Read in the person's order; whether it is after today is checked against their own today."""
    return parse_date(text, current_language(), dt.datetime.now(dt.UTC).date()).isoformat()


def deal_form() -> FormSpec:
    return FormSpec(
        name="deal.register",
        title=_("Register a deal"),
        submit_label=_("Register"),
        fields=(
            FormField("company", _("Customer company"), max_length=200, live=True),
            FormField(
                "domain",
                _("Customer web domain"),
                max_length=300,
                hint=_("for example acme.com"),
                live=True,
                parse=registrable_domain,
            ),
            FormField("contact_name", _("Customer contact name"), max_length=200),
            FormField("contact_email", _("Customer contact e-mail"), "email", max_length=254),
            FormField(
                "amount",
                _("Deal amount"),
                "number",
                max_length=40,
                hint=_("for example 72000, 72k or 1.5M"),
                parse=_amount,
            ),
            FormField(
                "currency",
                _("Currency"),
                max_length=20,
                hint=_("three letters, such as EUR or USD"),
                parse=check_currency,
            ),
            FormField(
                "close_date",
                _("Expected close date"),
                max_length=20,
                hint=_("YYYY-MM-DD, within 12 months"),
                parse=_date,
            ),
            FormField("product", _("Product"), max_length=100),
            FormField("notes", _("Notes"), "long_text", required=False, max_length=2000),
            FormField("lead_id", _("Lead id"), required=False, max_length=40, hint=_("if the deal comes from a lead")),
        ),
    )


def reason_form(name: str) -> FormSpec:
    reject = name == "deal.reject"
    return FormSpec(
        name=name,
        title=_("Reject the registration") if reject else _("Ask the partner"),
        submit_label=_("Reject") if reject else _("Send question"),
        fields=(FormField("reason", _("Reason") if reject else _("Question"), "long_text", max_length=2000),),
    )


async def warn_or_check(req: Request, deps: Deps, field: str, value: Any) -> list[ReplyItem]:
    """As soon as the company or domain is entered: will a review be needed? The partner is never told
    with whom the registration conflicts. After the close date (field by field): is it after their today?"""
    person = req.person
    if person is None or value in (None, ""):
        return []
    if field == "close_date":
        today = deps.now().astimezone(zone(person.timezone)).date()
        check_close_date(dt.date.fromisoformat(str(value)), today)
        return []
    if field not in ("company", "domain"):
        return []
    domain = None
    if field == "domain":
        try:
            domain = registrable_domain(str(value))
        except InvalidInput:
            return []
    found = await services.conflicts_for(
        deps.uow, person, company=str(value) if field == "company" else None, domain=domain, policy=policy(deps)
    )
    if not found:
        return []
    return [
        Reply(
            Message(
                text=_(
                    "Heads-up: this customer may already be registered. You can go on; your CAM will review "
                    "the registration before approving it."
                )
            )
        )
    ]


def _submission_key(values: dict[str, Any]) -> str:
    text = "|".join(str(values.get(f.name) or "") for f in deal_form().fields)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


@router.form("deal.register", deal_form, roles=PARTNER_ROLES, answered=warn_or_check)
async def deal_submitted(req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]) -> list[ReplyItem]:
    assert req.person is not None
    values = {**values, "lead_id": values.get("lead_id") or context.get("lead_id")}
    try:
        done = await services.register(
            deps.uow,
            req.person,
            values,
            language=current_language(),
            submission_key=_submission_key(values),
            now=deps.now(),
            policy=policy(deps),
        )
    except FieldError as exc:
        if req.supports_modals:
            return [FormErrors({exc.field: error_reply(exc)})]
        raise
    names = {"ref": done.ref}
    if done.status == "conflict":
        text = _(
            "Deal %(ref)s is registered. Another registration may cover this customer, so your CAM reviews it "
            "before deciding; you hear the outcome here."
        )
    else:
        text = _("Deal %(ref)s is registered and waits for your CAM's approval; you hear the outcome here.")
    return [Reply(Message(text=text % names, footer=_("See your registrations with /deals")))]


@router.command(
    "deal",
    roles=PARTNER_ROLES,
    help=N_("register a deal, or answer your CAM on one"),
    usage=N_("/deal [D-000042 ANSWER]"),
)
async def deal_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref, _sep, text = req.args.strip().partition(" ")
    if ref and text.strip():
        return await _answer(req, deps, ref, text)
    if ref:
        raise InvalidInput(
            N_("Send the deal and your answer together, like this: /deal D-000042 The budget is approved.")
        )
    return await deps.services[Dispatcher].open_form(req, "deal.register")


async def _answer(req: Request, deps: Deps, ref: str, text: str) -> list[ReplyItem]:
    assert req.person is not None
    deal = await services.answer(deps.uow, req.person, ref, text, deps.now(), policy(deps))
    return [Reply(Message(text=_("Sent to your CAM; %(ref)s is back with them.") % {"ref": deal.ref}))]


@router.reply("deal", roles=PARTNER_ROLES)
async def answer_by_reply(req: Request, deps: Deps) -> list[ReplyItem]:
    """A reply to the CAM's question (`deal:<id>:info_requested:<v>`) is the answer."""
    deal_id = (req.reply_to or "").partition(":")[2].partition(":")[0]
    return await _answer(req, deps, f"D-{deal_id}", req.args)


@router.command("deals", roles=PARTNER_ROLES | CAM_ROLES, help=N_("your deal registrations and their protection"))
async def deals_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    lines = await services.deal_lines(deps.uow, req.person)
    if not lines:
        return [Reply(Message(text=_("No deal registrations yet. Register one with /deal.")))]
    now = deps.now()
    waiting = [line.ref for line in lines if line.status in ("submitted", "conflict") or line.extension_requested]
    buttons = (
        [Button(_("Review %(ref)s") % {"ref": ref}, "deal.review", ref) for ref in waiting[:5]]
        if req.person.role in CAM_ROLES
        else []
    )
    items = [line_text(line, now) for line in lines]
    return [Reply(Message(title=_("Deal registrations"), items=items, buttons=buttons))]


@router.action("deal.review", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def review_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """The registration as its alert shows it, with the buttons its state allows: a CAM decides from `deals`
    too, without scrolling back to the alert."""
    assert req.person is not None
    return [Reply(cam_alert(await services.review(deps.uow, req.person, req.value)))]


async def _decide(req: Request, deps: Deps, decision: str, reason: str | None) -> list[ReplyItem]:
    assert req.person is not None
    deal = await services.decide(deps.uow, req.person, req.value, decision, reason, deps.now(), policy(deps))
    said = {"approve": _("%(ref)s approved."), "reject": _("%(ref)s rejected."), "info": _("Question sent on %(ref)s.")}
    return [Notice(said[decision] % {"ref": deal.ref})]


@router.action("deal.approve", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def approve_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _decide(req, deps, "approve", None)


@router.action("deal.reject", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def reject_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await services.visible(deps.uow, req.person, req.value)  # refuse an unknown deal before the reason is typed
    return await deps.services[Dispatcher].open_form(req, "deal.reject", context={"deal": req.value})


@router.action("deal.info", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def info_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    await services.visible(deps.uow, req.person, req.value)
    return await deps.services[Dispatcher].open_form(req, "deal.info", context={"deal": req.value})


@router.form("deal.reject", lambda: reason_form("deal.reject"), roles=CAM_ROLES, chats=CAM_CHATS)
async def reject_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    req.value = str(context.get("deal") or "")
    return await _decide(req, deps, "reject", str(values.get("reason") or ""))


@router.form("deal.info", lambda: reason_form("deal.info"), roles=CAM_ROLES, chats=CAM_CHATS)
async def info_submitted(req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]) -> list[ReplyItem]:
    req.value = str(context.get("deal") or "")
    return await _decide(req, deps, "info", str(values.get("reason") or ""))


@router.action("deal.extend", roles=PARTNER_ROLES)
async def extend_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    deal = await services.request_extension(deps.uow, req.person, req.value, deps.now(), policy(deps))
    return [
        Notice(_("Asked.")),
        Reply(Message(text=_("Your CAM is asked to extend the protection of %(ref)s.") % {"ref": deal.ref})),
    ]


async def _extension(req: Request, deps: Deps, grant: bool) -> list[ReplyItem]:
    assert req.person is not None
    deal = await services.decide_extension(deps.uow, req.person, req.value, grant, deps.now(), policy(deps))
    said = _("Protection of %(ref)s extended.") if grant else _("Extension of %(ref)s refused.")
    return [Notice(said % {"ref": deal.ref})]


@router.action("deal.extend_approve", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def extend_approve_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _extension(req, deps, True)


@router.action("deal.extend_refuse", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def extend_refuse_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _extension(req, deps, False)


async def _close(req: Request, deps: Deps, outcome: str) -> list[ReplyItem]:
    assert req.person is not None
    deal = await services.close_by_cam(deps.uow, req.person, req.value, outcome, deps.now(), policy(deps))
    said = _("%(ref)s marked won; its commission is accrued.") if outcome == "won" else _("%(ref)s marked lost.")
    return [Notice(said % {"ref": deal.ref})]


# Marking a deal won accrues commission and tells the partner; lost ends its protection. Neither can be
# taken back in chat, so each asks first, like releasing a lead.
CLOSE_QUESTIONS = {
    "won": N_("Mark %(ref)s won? Its commission is accrued at once and the partner is told."),
    "lost": N_("Mark %(ref)s lost? Its protection ends and the partner is told."),
}
CLOSE_YES = {"won": N_("Yes, mark it won"), "lost": N_("Yes, mark it lost")}


def _ask_close(req: Request, outcome: str) -> list[ReplyItem]:
    ref = req.value
    return [
        Reply(
            Message(
                text=_(CLOSE_QUESTIONS[outcome]) % {"ref": ref},
                buttons=[
                    Button(_(CLOSE_YES[outcome]), f"deal.{outcome}_confirm", ref, style="danger"),
                    Button(_("Cancel"), "deal.keep", ref),
                ],
            )
        )
    ]


@router.action("deal.won", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def won_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return _ask_close(req, "won")


@router.action("deal.lost", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def lost_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return _ask_close(req, "lost")


@router.action("deal.won_confirm", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def won_confirmed(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _close(req, deps, "won")


@router.action("deal.lost_confirm", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def lost_confirmed(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _close(req, deps, "lost")


@router.action("deal.keep", roles=CAM_ROLES, chats=CAM_CHATS, private=False)
async def keep_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return [Notice(_("Nothing changed."))]
