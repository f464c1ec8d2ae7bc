"""CAMs place leads: `why` (who is eligible, and why not) and `assign` (command and alert button)."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInput
from domain.i18n import N_, _
from domain.leads import services
from handlers.deps import Deps
from handlers.leads.cards import CAM_ROLES, STATUS, lead_policy, split_value, when
from handlers.leads.routes import router
from handlers.model import (
    Button,
    ChatKind,
    Message,
    Notice,
    Reply,
    ReplyItem,
    Request,
)


@router.command(
    "why", roles=CAM_ROLES, help=N_("why a lead was or was not offered to each partner"), usage=N_("/why LEAD_ID")
)
async def why_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    ref = req.args.strip().split()[0] if req.args.strip() else ""
    if not ref:
        raise InvalidInput(N_("Send the lead id with the command, like this: /why L-1001"))
    found = await services.explain(deps.uow, req.person, ref, lead_policy(deps))
    items = []
    for v in found.verdicts:
        mark = "✓" if v.eligible else "✗"
        reasons = "; ".join(reason_text(r.code, r.ok, r.params) for r in v.reasons if _shown(r.code, r.ok))
        offered = found.offered.get(v.partner_id)
        history = f" — {offer_text(*offered)}" if offered else ""
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


MODES = {"shark_tank": N_("shark tank"), "round_robin": N_("round robin"), "direct": N_("direct")}
OFFER_ENDS = {
    "open": N_("offered in round %(round)s (%(mode)s), still open"),
    "won": N_("offered in round %(round)s (%(mode)s) and taken by them"),
    "lost": N_("offered in round %(round)s (%(mode)s); it went to another partner"),
    "expired": N_("offered in round %(round)s (%(mode)s); the offer ran out"),
}


def offer_text(mode: str, round_: int, status: str) -> str:
    """How one partner's latest offer went, in a CAM's words."""
    msgid = OFFER_ENDS.get(status, OFFER_ENDS["open"])
    return _(msgid) % {"round": round_, "mode": _(MODES[mode]) if mode in MODES else mode}


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
    "assign", roles=CAM_ROLES, help=N_("assign a lead to a partner directly"), usage=N_("/assign LEAD_ID PARTNER")
)
async def assign_command(req: Request, deps: Deps) -> list[ReplyItem]:
    """The partner by id, or by name or part of it: one match assigns, several ask which one."""
    assert req.person is not None
    parts = req.args.split(maxsplit=1)
    if len(parts) != 2:
        raise InvalidInput(N_("Use /assign LEAD_ID PARTNER, like /assign L-1001 Acme"))
    ref, typed = parts
    choices = await services.matching_partners(deps.uow, req.person, typed)
    if len(choices) == 1:
        return await _assign(req, deps, ref, choices[0].external_id)
    if not choices:
        return [
            Reply(Message(text=_("No partner of yours matches “%(typed)s”. /partners lists them.") % {"typed": typed}))
        ]
    return [
        Reply(
            Message(
                text=_("Which partner should get %(lead)s?") % {"lead": ref},
                buttons=[
                    Button(f"{choice.name} ({choice.external_id})", "lead.assign", f"{ref}:{choice.external_id}")
                    for choice in choices
                ],
            )
        )
    ]


# CAM alerts with these buttons go to the CAM channel (PARTNERBOT_SLACK_CAM_CHANNEL or the partner's own
# channel): assigning answers there, and shows no contact details.
@router.action("lead.assign", roles=CAM_ROLES, chats=frozenset({ChatKind.PRIVATE, ChatKind.CHANNEL}))
async def assign_action(req: Request, deps: Deps) -> list[ReplyItem]:
    ref, partner = split_value(req.value)
    return await _assign(req, deps, ref, partner)


async def _assign(req: Request, deps: Deps, ref: str, partner: str) -> list[ReplyItem]:
    assert req.person is not None
    done = await services.assign(deps.uow, req.person, ref, partner, deps.now(), lead_policy(deps))
    name, due = done.lead, done.accept_by
    text = _("Lead %(lead)s is assigned directly; the partner has until %(time)s to accept.") % {
        "lead": name,
        "time": when(due, req.person),
    }
    items: list[ReplyItem] = [Reply(Message(text=text))]
    if req.kind == "action":
        items.insert(0, Notice(_("Assigned.")))
    return items if done.partner_ids else [Reply(Message(text=_("Nobody could be assigned.")))]


# Push renderers (run at send time in the recipient's language)
