"""Leads in chat: `leads`, `claim`, the lead.* buttons, the disqualify form, CAM `why`/`assign`, and how
every lead push looks (rendered in the recipient's language at send time).

Commands and buttons call the domain (domain/leads) in one unit of work each; refusals are
`UserFacingError`s that the dispatcher turns into a Notice (buttons) or a reply (commands).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from domain.errors import InvalidInput
from domain.i18n import N_, _, format_datetime, format_duration, format_money, format_number
from domain.leads import claims, queries
from domain.leads.claims import LeadCard
from domain.leads.policy import HOLDING, LeadPolicy
from domain.people import PARTNER_ROLES, PersonView
from handlers.deps import Deps
from handlers.model import (
    Button,
    ChatKind,
    Edit,
    FormField,
    FormSpec,
    Message,
    Notice,
    OpenForm,
    Reply,
    ReplyItem,
    Request,
)
from handlers.router import Router

router = Router("leads")
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


def _policy(deps: Deps) -> LeadPolicy:
    policy = deps.services.get("leads_policy")
    return policy if isinstance(policy, LeadPolicy) else LeadPolicy()


def _tz(person: PersonView | None, deps: Deps | None = None) -> str:
    return (person.timezone if person else None) or (deps.calendar.timezone if deps else "UTC")


def _when(value: str | dt.datetime | None, person: PersonView | None) -> str:
    if not value:
        return "—"
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(instant, _tz(person))


def _money(value: Any, currency: str) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_money(float(value), currency) if currency else format_number(float(value))
    except (ValueError, TypeError):
        return str(value)


def _public_fields(p: dict[str, Any]) -> list[tuple[str, str]]:
    """What an offer shows: size, region, vertical, product, value, priority, never contact details."""
    region = str(p.get("region", "")).upper() + (f" ({p['country']})" if p.get("country") else "")
    fields = [
        (_("Priority"), _(PRIORITY.get(p.get("priority", ""), p.get("priority", "")))),
        (_("Region"), region),
        (_("Vertical"), p.get("vertical") or ""),
        (_("Product"), p.get("product") or ""),
        (_("Company size"), p.get("size") or ""),
        (_("Estimated value"), _money(p.get("value"), p.get("currency") or "")),
    ]
    return [(k, v) for k, v in fields if v]


def _full_fields(p: dict[str, Any]) -> list[tuple[str, str]]:
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


def _card_payload(card: LeadCard) -> dict[str, Any]:
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


def _sla_text(card: LeadCard, now: dt.datetime, person: PersonView | None = None) -> str:
    """Time left and the deadline itself (business days: a weekend can sit inside the time left)."""
    if card.followup_due_at is not None:
        left = card.followup_due_at - now
        if left.total_seconds() <= 0:
            return _("follow-up overdue")
        return _("%(left)s left to follow up, until %(time)s") % {
            "left": format_duration(left),
            "time": _when(card.followup_due_at, person),
        }
    if card.acceptance_due_at is not None:
        left = max(card.acceptance_due_at - now, dt.timedelta())
        return _("%(left)s left to accept, until %(time)s") % {
            "left": format_duration(left),
            "time": _when(card.acceptance_due_at, person),
        }
    return ""


def held_card(card: LeadCard, person: PersonView | None, now: dt.datetime, title: str | None = None) -> Message:
    """The whole lead, for the partner who holds it: contact details and the work buttons."""
    fields = _full_fields(_card_payload(card)) + _public_fields(_card_payload(card))
    fields.append((_("Stage"), _(STATUS.get(card.status, card.status))))
    sla = _sla_text(card, now, person)
    if sla:
        fields.append((_("Follow-up"), sla))
    return Message(
        title=title or _("Lead %(lead)s") % {"lead": card.external_id},
        fields=fields,
        buttons=work_buttons(card.ref) if card.status in HOLDING else [],
    )


def _assigned_card(card: LeadCard, now: dt.datetime, person: PersonView | None = None) -> Message:
    return Message(
        title=_("Lead %(lead)s is waiting for your answer") % {"lead": card.external_id},
        text=_sla_text(card, now, person),
        fields=_public_fields(_card_payload(card)),
        buttons=[
            Button(_("Accept"), "lead.accept", card.ref, style="primary"),
            Button(_("Decline"), "lead.decline", card.ref, style="danger"),
        ],
    )


# Commands


@router.command("leads", help=N_("your open leads, with stage and follow-up time"), usage="/leads [LEAD_ID]")
async def leads_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    person, now, ref = req.person, deps.now(), req.args.strip()
    if ref:
        return await _one_lead(req, deps, ref)
    if person.role not in PARTNER_ROLES:
        return [
            Reply(
                Message(
                    text=_(
                        "Leads belong to partners. As staff you can ask /why LEAD_ID and /assign LEAD_ID PARTNER_ID, "
                        "or see a lead with /leads LEAD_ID."
                    )
                )
            )
        ]
    async with deps.uow() as uow:
        cards = await queries.open_leads(uow.session, person)
        offers = [await claims.card_of(uow.session, lead) for lead in await queries.open_offers(uow.session, person)]
    items: list[str] = []
    buttons: list[Button] = []
    for card in cards:
        age = format_duration(now - (card.held_since or card.created_at))
        parts = [card.external_id]
        if card.status != "assigned":
            parts.append(card.company)
        if person.role == "partner_admin" and card.partner_name and card.partner_name != person.partner_name:
            parts.append(card.partner_name)
        parts += [_(STATUS.get(card.status, card.status)), _("age %(age)s") % {"age": age}]
        sla = _sla_text(card, now, person)
        if sla:
            parts.append(sla)
        items.append(" · ".join(parts))
        if card.status == "assigned" and len(buttons) < 6:
            buttons += [
                Button(_("Accept %(lead)s") % {"lead": card.external_id}, "lead.accept", card.ref, style="primary"),
                Button(_("Decline %(lead)s") % {"lead": card.external_id}, "lead.decline", card.ref),
            ]
    for offer in offers:
        summary = ", ".join(v for _k, v in _public_fields(_card_payload(offer))[:4])
        items.append(
            _("Open offer %(lead)s: %(summary)s, open until %(time)s")
            % {"lead": offer.external_id, "summary": summary, "time": _when(offer.offer_expires_at, person)}
        )
        if len(buttons) < 10:
            buttons.append(
                Button(_("Claim %(lead)s") % {"lead": offer.external_id}, "lead.claim", offer.ref, "primary")
            )
    if not items:
        return [Reply(Message(text=_("You have no open leads right now. New offers arrive here as messages.")))]
    title = (
        _("Open leads of %(partner)s and its partners") % {"partner": person.partner_name}
        if person.role == "partner_admin"
        else _("Your open leads")
    )
    return [Reply(Message(title=title, items=items, buttons=buttons, footer=_("Send /leads LEAD_ID for one lead.")))]


async def _one_lead(req: Request, deps: Deps, ref: str) -> list[ReplyItem]:
    assert req.person is not None
    async with deps.uow() as uow:
        lead = await queries.visible(uow.session, req.person, ref)
        card = await claims.card_of(uow.session, lead)
    if card.status == "assigned" and req.person.role in PARTNER_ROLES:
        return [Reply(_assigned_card(card, deps.now(), req.person))]
    message = held_card(card, req.person, deps.now())
    if req.person.role not in PARTNER_ROLES:
        message.buttons = []
        message.fields.append((_("Partner"), card.partner_name or "—"))
    return [Reply(message)]


@router.command("claim", help=N_("claim a lead offered to you"), usage="/claim LEAD_ID", roles=PARTNER_ROLES)
async def claim_command(req: Request, deps: Deps) -> list[ReplyItem]:
    if not req.args.strip():
        raise InvalidInput(N_("Send the lead id with the command, like this: /claim L-1001"))
    return await _claim(req, deps, req.args.strip().split()[0])


@router.action("lead.claim", roles=PARTNER_ROLES)
async def claim_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return await _claim(req, deps, req.value)


async def _claim(req: Request, deps: Deps, ref: str) -> list[ReplyItem]:
    assert req.person is not None
    now = deps.now()
    async with deps.uow() as uow:
        won = await claims.claim(uow.session, req.person, ref, now, _policy(deps))
        await uow.commit()
    card = won.card
    # The card with the contact details was queued with the claim (a crash cannot lose it); deliver
    # it now rather than at the sender's next round.
    deliver_now = deps.services.get("deliver_now")
    if deliver_now is not None:
        await deliver_now(req.person.id, req.chat.platform)
    items: list[ReplyItem] = [Notice(_("You got it! Lead %(lead)s is yours.") % {"lead": card.external_id})]
    if req.kind == "action":
        items.append(Edit(_closed_message("claimed", _card_payload(card), req.person, by_self=True)))
    return items


@router.action("lead.accept", roles=PARTNER_ROLES)
async def accept_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    now = deps.now()
    async with deps.uow() as uow:
        done = await claims.accept(uow.session, req.person, req.value, now, _policy(deps))
        await uow.commit()
    items: list[ReplyItem] = [Notice(_("Accepted."))]
    if req.message_id is not None:
        items.append(Edit(_closed_message("accepted", _card_payload(done.card), req.person, by_self=True)))
    title = _("Lead %(lead)s is yours — follow up now") % {"lead": done.card.external_id}
    items.append(Reply(held_card(done.card, req.person, now, title)))
    return items


@router.action("lead.decline", roles=PARTNER_ROLES)
async def decline_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    async with deps.uow() as uow:
        await claims.decline(uow.session, req.person, req.value, deps.now(), _policy(deps))
        name = (await claims.find(uow.session, req.value)).external_id
        await uow.commit()
    return [
        Notice(_("Declined.")),
        Reply(Message(text=_("You declined lead %(lead)s; it goes to the next partner.") % {"lead": name})),
    ]


def _split(value: str) -> tuple[str, str]:
    ref, sep, rest = (value or "").rpartition(":")
    if not sep or not ref:
        raise InvalidInput(N_("This button is no longer valid. Send /leads to see your leads."))
    return ref, rest


@router.action("lead.update", roles=PARTNER_ROLES)
async def update_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref, stage = _split(req.value)
    if stage == "disqualified":
        async with deps.uow() as uow:  # refuse at once rather than after the reason was typed
            await claims.check_workable(uow.session, req.person, ref)
        return [OpenForm(disqualify_form(), {}, {"lead": ref})]
    async with deps.uow() as uow:
        done = await claims.update_stage(uow.session, req.person, ref, stage, deps.now())
        await uow.commit()
    return _updated_reply(done, req.person, deps)


def _updated_reply(done: claims.Updated, person: PersonView, deps: Deps) -> list[ReplyItem]:
    text = _("Lead %(lead)s is now %(stage)s.") % {
        "lead": done.card.external_id,
        "stage": _(STATUS.get(done.stage, done.stage)),
    }
    if done.first:
        text += " " + (
            _("Follow-up recorded within the SLA — thank you.")
            if done.within_sla
            else _("Follow-up recorded after the SLA ran out.")
        )
    message = held_card(done.card, person, deps.now())
    message.text = text
    return [Notice(_("Saved.")), Reply(message)]


def disqualify_form() -> FormSpec:
    return FormSpec(
        name="lead.disqualify",
        title=_("Disqualify lead"),
        submit_label=_("Disqualify"),
        fields=(
            FormField(
                "reason",
                _("Why is the lead disqualified?"),
                "long_text",
                max_length=2000,
                hint=_("One or two sentences"),
            ),
        ),
    )


@router.form("lead.disqualify", disqualify_form, roles=PARTNER_ROLES)
async def disqualify_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    assert req.person is not None
    ref = str(context.get("lead") or values.get("lead") or "")
    if not ref:
        raise InvalidInput(N_("Which lead? Press Disqualify on the lead again."))
    async with deps.uow() as uow:
        done = await claims.update_stage(
            uow.session, req.person, ref, "disqualified", deps.now(), reason=str(values.get("reason") or "")
        )
        await uow.commit()
    return [item for item in _updated_reply(done, req.person, deps) if not isinstance(item, Notice)]


@router.action("lead.release", roles=PARTNER_ROLES)
async def release_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    async with deps.uow() as uow:
        await claims.release(uow.session, req.person, req.value, deps.now(), _policy(deps))
        name = (await claims.find(uow.session, req.value)).external_id
        await uow.commit()
    return [
        Notice(_("Released.")),
        Reply(Message(text=_("You released lead %(lead)s; it will be offered to other partners.") % {"lead": name})),
    ]


@router.action("lead.convert", roles=PARTNER_ROLES)
async def convert_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    async with deps.uow() as uow:
        done = await claims.convert(uow.session, req.person, req.value, deps.now())
        await uow.commit()
    card = done.card
    dispatcher = deps.services.get("dispatcher")
    forms = getattr(dispatcher, "forms", {})
    if "deal.register" in forms:
        prefill = {
            "company": card.company,
            "domain": card.domain,
            "contact_name": card.contact_name,
            "contact_email": card.contact_email,
            "amount": "" if card.value is None else f"{card.value:g}",
            "currency": card.currency,
            "product": card.product,
            "notes": card.notes,
            "lead_id": card.external_id,
        }
        return [
            OpenForm(
                forms["deal.register"].spec(), {k: v for k, v in prefill.items() if v}, {"lead_id": card.external_id}
            )
        ]
    return [
        Notice(_("Conversion recorded.")),
        Reply(
            Message(
                text=_(
                    "Lead %(lead)s is recorded as converted. Deal registration in chat is not available yet; "
                    "register the deal in the partner portal and mention %(lead)s."
                )
                % {"lead": card.external_id}
            )
        ),
    ]


@router.command(
    "why", roles=CAM_ROLES, help=N_("why a lead was or was not offered to each partner"), usage="/why LEAD_ID"
)
async def why_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref = req.args.strip().split()[0] if req.args.strip() else ""
    if not ref:
        raise InvalidInput(N_("Send the lead id with the command, like this: /why L-1001"))
    async with deps.uow() as uow:
        found = await queries.explain(uow.session, req.person, ref, _policy(deps))
    items = []
    for v in found.verdicts:
        mark = "✓" if v.eligible else "✗"
        reasons = "; ".join(reason_text(r.code, r.ok, r.params) for r in v.reasons if _shown(r.code, r.ok))
        offered = found.offered.get(v.partner_id)
        history = f" [{offered}]" if offered else ""
        items.append(f"{mark} {v.partner_external_id} {v.partner_name} ({v.tier}): {reasons}{history}")
    card = found.card
    return [
        Reply(
            Message(
                title=_("Why lead %(lead)s went where it went") % {"lead": card.external_id},
                text=_("Status: %(status)s; holder: %(partner)s")
                % {"status": _(STATUS.get(card.status, card.status)), "partner": card.partner_name or "—"},
                items=items or [_("None of your partners could be considered.")],
            )
        )
    ]


def _shown(code: str, ok: bool) -> bool:
    return not (ok and code in ("vertical_any", "product_any", "tier_any"))


def reason_text(code: str, ok: bool, params: dict[str, Any]) -> str:
    """One eligibility rule in words, for the CAM."""
    p = {k: ", ".join(v) if isinstance(v, list) else v for k, v in params.items()}
    texts = {
        ("region", True): N_("region %(lead)s matches"),
        ("region", False): N_("region %(partner)s, lead is in %(lead)s"),
        ("vertical", True): N_("vertical %(lead)s covered"),
        ("vertical", False): N_("vertical %(lead)s not in %(partner)s"),
        ("product", True): N_("product %(lead)s covered"),
        ("product", False): N_("product %(lead)s not in %(partner)s"),
        ("tier", True): N_("tier %(partner)s meets minimum %(lead)s"),
        ("tier", False): N_("tier %(partner)s below minimum %(lead)s"),
        ("capacity", True): N_("%(open)s of %(limit)s open leads"),
        ("capacity", False): N_("at capacity: %(open)s of %(limit)s open leads"),
        ("excluded", False): N_("already had this lead (declined, timed out, released or reclaimed)"),
    }
    msgid = texts.get((code, ok))
    return _(msgid) % p if msgid else code


@router.command(
    "assign", roles=CAM_ROLES, help=N_("assign a lead to a partner directly"), usage="/assign LEAD_ID PARTNER_ID"
)
async def assign_command(req: Request, deps: Deps) -> list[ReplyItem]:
    parts = req.args.split()
    if len(parts) != 2:
        raise InvalidInput(N_("Use /assign LEAD_ID PARTNER_ID, like /assign L-1001 P-ACME"))
    return await _assign(req, deps, parts[0], parts[1])


# CAM alerts with these buttons go to the CAM channel (PARTNERBOT_SLACK_CAM_CHANNEL or the partner's own
# channel): assigning answers there, and shows no contact details.
@router.action("lead.assign", roles=CAM_ROLES, chats=frozenset({ChatKind.PRIVATE, ChatKind.CHANNEL}))
async def assign_action(req: Request, deps: Deps) -> list[ReplyItem]:
    ref, partner = _split(req.value)
    return await _assign(req, deps, ref, partner)


async def _assign(req: Request, deps: Deps, ref: str, partner: str) -> list[ReplyItem]:
    assert req.person is not None
    async with deps.uow() as uow:
        lead = await claims.find(uow.session, ref)
        name = lead.external_id
        done = await claims.assign_by_cam(uow.session, req.person, ref, partner, deps.now(), _policy(deps))
        await uow.session.flush()
        due = (await claims.find(uow.session, ref)).acceptance_due_at
        await uow.commit()
    text = _("Lead %(lead)s is assigned directly; the partner has until %(time)s to accept.") % {
        "lead": name,
        "time": _when(due, req.person),
    }
    items: list[ReplyItem] = [Reply(Message(text=text))]
    if req.kind == "action":
        items.insert(0, Notice(_("Assigned.")))
    return items if done.partner_ids else [Reply(Message(text=_("Nobody could be assigned.")))]


# Push renderers (run at send time in the recipient's language)


@router.notification("lead.offer")
def render_offer(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("New lead up for grabs: %(lead)s") % {"lead": payload["lead"]},
        text=_("The first partner to claim it gets it. Open until %(time)s.")
        % {"time": _when(payload.get("expires_at"), person)},
        fields=_public_fields(payload),
        buttons=[Button(_("Claim"), "lead.claim", payload["ref"], style="primary")],
        footer=_("Contact details are shown to the partner who claims it."),
    )


def _closed_message(outcome: str, p: dict[str, Any], person: PersonView | None, *, by_self: bool = False) -> Message:
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
    return Message(title=_("Lead %(lead)s — closed") % {"lead": lead}, text=text, fields=_public_fields(p))


@router.notification("lead.won")
def render_won(payload: dict[str, Any], person: PersonView | None) -> Message:
    """The winner's card, queued with the claim (domain/leads/winner.py)."""
    known = {f.name for f in dataclasses.fields(LeadCard)}
    raw = {k: v for k, v in dict(payload["card"]).items() if k in known}
    for name in ("created_at", "held_since", "offer_expires_at", "acceptance_due_at", "followup_due_at"):
        raw[name] = dt.datetime.fromisoformat(raw[name]) if raw.get(name) else None
    card = LeadCard(**raw)
    title = _("Lead %(lead)s is yours — follow up now") % {"lead": card.external_id}
    return held_card(card, person, dt.datetime.fromisoformat(payload["at"]), title)


@router.notification("lead.offer_closed")
def render_offer_closed(payload: dict[str, Any], person: PersonView | None) -> Message:
    return _closed_message(str(payload.get("outcome", "claimed")), payload, person)


@router.notification("lead.assigned")
def render_assigned(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Lead %(lead)s is assigned to your team") % {"lead": payload["lead"]},
        text=_("Accept it by %(time)s, or it moves on to another partner.")
        % {"time": _when(payload.get("due_at"), person)},
        fields=_public_fields(payload),
        buttons=[
            Button(_("Accept"), "lead.accept", payload["ref"], style="primary"),
            Button(_("Decline"), "lead.decline", payload["ref"], style="danger"),
        ],
    )


@router.notification("lead.reminder")
def render_reminder(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Reminder: follow up on lead %(lead)s") % {"lead": payload["lead"]},
        text=_("Record your first progress before %(time)s, or the lead goes back to the pool.")
        % {"time": _when(payload.get("due_at"), person)},
        fields=_full_fields(payload)[:5],
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


@router.notification("lead.cam_alert")
def render_cam_alert(payload: dict[str, Any], person: PersonView | None) -> Message:
    reason = str(payload.get("reason", "unclaimed"))
    partners = payload.get("partners") or []
    params = {"lead": payload.get("lead", ""), "partner": ", ".join(partners) or "—"}
    fields = [(_("Company"), payload.get("company") or ""), *_public_fields(payload)]
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
