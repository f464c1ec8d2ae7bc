"""`unclaimed` for CAMs: leads waiting for a partner or run out, each with why in a CAM's words and,
where the rules allow someone, a button to assign it to them."""

from __future__ import annotations

from typing import Any

from domain.i18n import N_, _, ngettext
from domain.leads import services
from domain.leads.unclaimed import Unclaimed
from domain.people import PersonView
from handlers.deps import Deps
from handlers.leads.cards import CAM_ROLES, lead_policy, when
from handlers.leads.routes import router
from handlers.model import Button, Message, Reply, ReplyItem, Request

# The rule that kept most of the region's partners out, as a CAM would say it.
BLOCKERS = {
    "region_empty": N_("no partner works in region %(lead)s"),
    "region": N_("no partner works in region %(lead)s"),
    "product": N_("no partner of the region sells %(lead)s"),
    "vertical": N_("no partner of the region covers %(lead)s"),
    "tier": N_("it needs tier %(lead)s or above, and no partner of the region has it"),
    "capacity": N_("the region's partners are all at their limit of open leads"),
    "excluded": N_("every partner that could take it has had it already"),
}
BUTTONS = 5


def blocker_text(blocker: tuple[str, dict[str, Any]] | None) -> str:
    if blocker is None:
        return _("no partner could take it")
    code, params = blocker
    values = {k: ", ".join(v) if isinstance(v, list) else v for k, v in params.items()}
    msgid = BLOCKERS.get(code)
    return _(msgid) % values if msgid else _("no partner could take it")


def unclaimed_line(lead: Unclaimed, person: PersonView) -> str:
    head = f"{lead.external_id} {lead.company}"
    if lead.why == "waiting_claim":
        why = ngettext(
            "offered to %(n)s partner, not claimed yet; the offer ends %(time)s",
            "offered to %(n)s partners, not claimed yet; the offer ends %(time)s",
            lead.offered,
        ) % {"n": lead.offered, "time": when(lead.deadline, person)}
    elif lead.why == "waiting_accept":
        why = _("assigned to %(partner)s, not accepted yet; they have until %(time)s") % {
            "partner": lead.partner_name or "—",
            "time": when(lead.deadline, person),
        }
    elif lead.why == "unclaimed":
        why = _("nobody claimed it before the offer ran out (%(time)s)") % {"time": when(lead.closed_at, person)}
    elif lead.why == "passed_on":
        why = _("the partners that could take it declined it, let it lapse or gave it back")
    else:
        why = _("nobody could be offered it: %(reason)s") % {"reason": blocker_text(lead.blocker)}
    if lead.suggestion and lead.status != "offered":
        why += " · " + _("could go to %(partner)s") % {"partner": lead.suggestion[1]}
    return f"{head}: {why}"


@router.command(
    "unclaimed", roles=CAM_ROLES, help=N_("leads waiting for a partner or run out, with why"), usage=N_("/unclaimed")
)
async def unclaimed_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    leads = await services.unclaimed_leads(deps.uow, req.person, deps.now(), lead_policy(deps))
    if not leads:
        return [Reply(Message(text=_("No lead of your partners is waiting or has run out in the last two weeks.")))]
    buttons = [
        Button(
            _("Assign %(lead)s to %(partner)s") % {"lead": lead.external_id, "partner": lead.suggestion[1]},
            "lead.assign",
            f"{lead.external_id}:{lead.suggestion[0]}",
        )
        for lead in leads
        if lead.suggestion and lead.status != "offered"
    ][:BUTTONS]
    return [
        Reply(
            Message(
                title=_("Leads waiting for a partner"),
                items=[unclaimed_line(lead, req.person) for lead in leads],
                buttons=buttons,
            )
        )
    ]
