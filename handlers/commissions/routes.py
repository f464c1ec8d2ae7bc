"""`commission [PERIOD]`, the lines behind each status, and disputing a line."""

from __future__ import annotations

from domain.calendar import zone
from domain.commissions import services
from domain.commissions.statement import Line, Statement, Sums, parse_period
from domain.deals.policy import DealPolicy
from domain.i18n import N_, _, format_date, ngettext
from domain.people import PARTNER_ROLES
from domain.tickets.desk import Desk
from handlers.deals.cards import money
from handlers.deps import Deps
from handlers.model import Button, Message, Notice, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("commissions")

STATUS_LABELS = {
    "accrued": N_("Accrued lines"),
    "approved": N_("Approved lines"),
    "paid": N_("Paid lines"),
    "held": N_("Held lines"),
}


def _sums(sums: Sums) -> str:
    return " + ".join(money(amount, currency) for currency, amount in sorted(sums.items())) or "—"


def statement_message(found: Statement) -> Message:
    fields = [
        (_("Accrued in %(period)s") % {"period": found.period}, _sums(found.accrued)),
        (_("Approved, awaiting payout"), _sums(found.approved)),
        (_("Paid in %(year)s") % {"year": found.period[:4]}, _sums(found.paid_ytd)),
    ]
    if found.held:
        fields.append((_("On hold"), _sums(found.held)))
    fields.append((_("Next payout"), format_date(found.next_payout) if found.next_payout else _("not scheduled yet")))
    buttons = [
        Button(f"{_(label)} ({found.counts[status]})", "commission.lines", status)
        for status, label in STATUS_LABELS.items()
        if found.counts.get(status)
    ]
    return Message(title=_("Your commission"), fields=fields, buttons=buttons)


def line_text(line: Line) -> str:
    parts = [line.line_id, line.period, money(line.amount, line.currency)]
    if line.deal:
        parts.append(f"{line.deal} {line.company or ''}".strip())
    if line.payout_date:
        parts.append(_("payout %(date)s") % {"date": format_date(line.payout_date)})
    if line.disputed:
        parts.append(_("disputed: %(ticket)s") % {"ticket": line.disputed})
    return " · ".join(parts)


@router.command(
    "commission",
    roles=PARTNER_ROLES,
    help=N_("your commission: accrued, approved, paid, next payout"),
    usage=N_("/commission [YYYY-MM]"),
)
async def commission_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    today = deps.now().astimezone(zone(req.person.timezone)).date()
    period = parse_period(req.args, today)
    found = await services.statement_of(deps.uow, req.person, period, today)
    if not found.counts:
        return [Reply(Message(text=_("No commission lines yet. A won deal accrues its commission here.")))]
    return [Reply(statement_message(found))]


@router.action("commission.lines", roles=PARTNER_ROLES)
async def lines_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    lines = await services.lines(deps.uow, req.person, req.value)
    if not lines:
        return [Notice(_("No lines with this status."))]
    title = ngettext("%(n)s line: %(status)s", "%(n)s lines: %(status)s", len(lines)) % {
        "n": len(lines),
        "status": _(STATUS_LABELS.get(req.value, req.value)),
    }
    buttons = [
        Button(_("Dispute %(line)s") % {"line": line.line_id}, "commission.dispute", line.line_id)
        for line in lines
        if not line.disputed
    ][:5]
    return [Reply(Message(title=title, items=[line_text(line) for line in lines], buttons=buttons))]


@router.action("commission.dispute", roles=PARTNER_ROLES)
async def dispute_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    policy = deps.services.get(DealPolicy)
    done = await services.dispute(
        deps.uow, req.person, req.value, "", deps.now(), deps.services[Desk], policy.cam_channel if policy else None
    )
    names = {"line": done.line_id, "ticket": done.ticket}
    text = (
        _(
            "Ticket %(ticket)s is open for line %(line)s; the finance team answers there and your CAM is told. "
            "Add details with /ticket %(ticket)s YOUR MESSAGE"
        )
        if done.created
        else _("Line %(line)s is already disputed in ticket %(ticket)s.")
    )
    return [Notice(_("Disputed.")), Reply(Message(text=text % names))]
