"""A partner works a lead: `leads`, `claim`, the lead.* buttons and the disqualify form.

Commands and buttons call the domain (domain/leads) in one unit of work each; refusals are
`UserFacingError`s that the dispatcher turns into a Notice (buttons) or a reply (commands).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from domain.errors import InvalidInput, UserFacingError
from domain.i18n import N_, _, format_duration
from domain.leads import holding, services
from domain.people import PARTNER_ROLES, PersonView
from handlers.deps import Deps, ImmediateDelivery
from handlers.dispatch import Dispatcher
from handlers.leads.cards import (
    STATUS,
    assigned_card,
    card_payload,
    closed_message,
    held_card,
    lead_policy,
    public_fields,
    sla_text,
    split_value,
    when,
)
from handlers.leads.routes import router
from handlers.model import (
    Button,
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


@router.command("leads", help=N_("your open leads, with stage and follow-up time"), usage=N_("/leads [LEAD_ID]"))
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
    found = await services.overview(deps.uow, person)
    cards, offers = found.held, found.offered
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
        sla = sla_text(card, now, person)
        if sla:
            parts.append(sla)
        items.append(" · ".join(parts))
        if card.status == "assigned" and len(buttons) < 6:
            buttons += [
                Button(_("Accept %(lead)s") % {"lead": card.external_id}, "lead.accept", card.ref, style="primary"),
                Button(_("Decline %(lead)s") % {"lead": card.external_id}, "lead.decline", card.ref),
            ]
    for offer in offers:
        summary = ", ".join(v for _k, v in public_fields(card_payload(offer))[:4])
        items.append(
            _("Open offer %(lead)s: %(summary)s, open until %(time)s")
            % {"lead": offer.external_id, "summary": summary, "time": when(offer.offer_expires_at, person)}
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
    try:
        card = await services.card(deps.uow, req.person, ref)
    except UserFacingError:
        offered = await _open_offer(req, deps, ref)  # offered to me, not mine yet: the offer, with Claim
        if offered is None:
            raise
        return [Reply(offered)]
    if card.status == "assigned" and req.person.role in PARTNER_ROLES:
        return [Reply(assigned_card(card, deps.now(), req.person))]
    message = held_card(card, req.person, deps.now())
    if req.person.role not in PARTNER_ROLES:
        message.buttons = []
        message.fields.append((_("Partner"), card.partner_name or "—"))
    return [Reply(message)]


async def _open_offer(req: Request, deps: Deps, ref: str) -> Message | None:
    assert req.person is not None
    wanted = ref.replace("-", "").replace(" ", "").lower()
    for offer in (await services.overview(deps.uow, req.person)).offered:
        if offer.external_id.replace("-", "").replace(" ", "").lower() == wanted:
            return Message(
                title=_("Open offer %(lead)s") % {"lead": offer.external_id},
                text=_("The first partner to claim it gets it. Open until %(time)s.")
                % {"time": when(offer.offer_expires_at, req.person)},
                fields=public_fields(card_payload(offer)),
                buttons=[Button(_("Claim"), "lead.claim", offer.ref, style="primary")],
                footer=_("Contact details are shown to the partner who claims it."),
            )
    return None


@router.command("claim", help=N_("claim a lead offered to you"), usage=N_("/claim LEAD_ID"), roles=PARTNER_ROLES)
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
    won = await services.claim(deps.uow, req.person, ref, now, lead_policy(deps))
    card = won.card
    # The card with the contact details was queued with the claim (a crash cannot lose it); deliver
    # it now rather than at the sender's next round.
    deliver_now = deps.services.get(ImmediateDelivery)
    if deliver_now is not None:
        await deliver_now(req.person.id, req.chat.platform)
    items: list[ReplyItem] = [Notice(_("You got it! Lead %(lead)s is yours.") % {"lead": card.external_id})]
    if req.kind == "action":
        items.append(Edit(closed_message("claimed", card_payload(card), req.person, by_self=True)))
    return items


@router.action("lead.accept", roles=PARTNER_ROLES)
async def accept_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    now = deps.now()
    done = await services.accept(deps.uow, req.person, req.value, now, lead_policy(deps))
    items: list[ReplyItem] = [Notice(_("Accepted."))]
    if req.message_id is not None:
        items.append(Edit(closed_message("accepted", card_payload(done.card), req.person, by_self=True)))
    title = _("Lead %(lead)s is yours — follow up now") % {"lead": done.card.external_id}
    items.append(Reply(held_card(done.card, req.person, now, title)))
    return items


async def _let_go(req: Request, deps: Deps, let_go: Callable[..., Awaitable[str]]) -> str:
    """Decline or release: the domain passes the lead on; the lead's id, for the reply."""
    assert req.person is not None
    return await let_go(deps.uow, req.person, req.value, deps.now(), lead_policy(deps))


@router.action("lead.decline", roles=PARTNER_ROLES)
async def decline_action(req: Request, deps: Deps) -> list[ReplyItem]:
    name = await _let_go(req, deps, services.decline)
    return [
        Notice(_("Declined.")),
        Reply(Message(text=_("You declined lead %(lead)s; it goes to the next partner.") % {"lead": name})),
    ]


@router.action("lead.update", roles=PARTNER_ROLES)
async def update_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref, stage = split_value(req.value)
    if stage == "disqualified":
        await services.check_workable(deps.uow, req.person, ref)  # refuse now, not after the reason is typed
        return [OpenForm(disqualify_form(), {}, {"lead": ref})]
    done = await services.update_stage(deps.uow, req.person, ref, stage, deps.now())
    return _updated_reply(done, req.person, deps)


def _updated_reply(done: holding.Updated, person: PersonView, deps: Deps) -> list[ReplyItem]:
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
    reason = str(values.get("reason") or "")
    done = await services.update_stage(deps.uow, req.person, ref, "disqualified", deps.now(), reason=reason)
    return [item for item in _updated_reply(done, req.person, deps) if not isinstance(item, Notice)]


@router.action("lead.release", roles=PARTNER_ROLES)
async def release_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """Giving a lead back cannot be undone (it is offered to others, never to this partner again): asked first."""
    assert req.person is not None
    card = await services.held(deps.uow, req.person, req.value)
    return [
        Reply(
            Message(
                text=_("Release lead %(lead)s? It goes to other partners and cannot come back to you.")
                % {"lead": card.external_id},
                buttons=[
                    Button(_("Yes, release it"), "lead.release_confirm", card.external_id, style="danger"),
                    Button(_("Keep it"), "lead.keep", card.external_id),
                ],
            )
        )
    ]


@router.action("lead.keep", roles=PARTNER_ROLES)
async def keep_action(req: Request, deps: Deps) -> list[ReplyItem]:
    return [Notice(_("Kept. Nothing changed."))]


@router.action("lead.release_confirm", roles=PARTNER_ROLES)
async def release_confirmed(req: Request, deps: Deps) -> list[ReplyItem]:
    name = await _let_go(req, deps, services.release)
    return [
        Notice(_("Released.")),
        Reply(Message(text=_("You released lead %(lead)s; it will be offered to other partners.") % {"lead": name})),
    ]


@router.action("lead.convert", roles=PARTNER_ROLES)
async def convert_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """With deal registration loaded, the deal form pre-filled from the lead (the registration marks the
    lead converted and links the two); without it, the conversion is recorded here."""
    assert req.person is not None
    dispatcher = deps.services.get(Dispatcher)
    if dispatcher is not None and "deal.register" in dispatcher.forms:
        card = await services.held(deps.uow, req.person, req.value)
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
        values = {k: v for k, v in prefill.items() if v}
        return await dispatcher.open_form(req, "deal.register", values, {"lead_id": card.external_id})
    card = (await services.convert(deps.uow, req.person, req.value, deps.now())).card
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
