"""Onboarding in chat: `onboarding` (the checklist), `partners` (a CAM's portfolio), and the nudge buttons."""

from __future__ import annotations

import datetime as dt

from domain.i18n import N_, _, format_date, ngettext
from domain.onboarding import services
from domain.onboarding.policy import OnboardingPolicy
from domain.onboarding.queries import Checklist, PortfolioLine
from domain.onboarding.tracks import MILESTONES
from domain.people import PARTNER_ROLES
from handlers.deps import Deps
from handlers.health.pushes import reasons_text
from handlers.model import Button, ChatKind, Message, Notice, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("onboarding")
LOW_HEALTH = 60
CAM_ROLES = frozenset({"cam", "admin"})
ANYWHERE_PRIVATE = frozenset({ChatKind.PRIVATE, ChatKind.CHANNEL})
SORTS = ("risk", "health", "overdue", "activation", "activity", "leads", "misses", "name")


def policy(deps: Deps) -> OnboardingPolicy:
    return deps.services[OnboardingPolicy]


def step_line(checklist: Checklist, index: int) -> str:
    step = checklist.steps[index]
    title = _(step.milestone.title)
    if step.status == "done" and step.done_on:
        return _("✓ %(title)s — done %(date)s") % {"title": title, "date": format_date(step.done_on)}
    late = step.late_by(checklist.today)
    if late:
        return _("✗ %(title)s — overdue since %(date)s") % {"title": title, "date": format_date(step.due_on)}
    if step.status == "attempted":
        return _("… %(title)s — started (%(percent)s %%), due by %(date)s") % {
            "title": title,
            "percent": step.percent or 0,
            "date": format_date(step.due_on),
        }
    return _("○ %(title)s — due by %(date)s") % {"title": title, "date": format_date(step.due_on)}


def checklist_message(checklist: Checklist) -> Message:
    done = sum(1 for s in checklist.steps if s.status == "done")
    return Message(
        title=_("Onboarding of %(partner)s — day %(day)s") % {"partner": checklist.partner, "day": checklist.day},
        text=_("%(done)s of %(total)s milestones done; activation window: days %(from)s–%(to)s.")
        % {
            "done": done,
            "total": len(checklist.steps),
            "from": checklist.activation_days[0],
            "to": checklist.activation_days[1],
        },
        items=[step_line(checklist, i) for i in range(len(checklist.steps))],
    )


@router.command(
    "onboarding",
    roles=PARTNER_ROLES | CAM_ROLES,
    help=N_("the onboarding checklist: done, due by, overdue"),
    usage=N_("/onboarding [PARTNER_ID]"),
)
async def onboarding_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    found = await services.checklist(deps.uow, req.person, req.args, deps.now(), policy(deps))
    return [Reply(checklist_message(found))]


@router.action("onboarding.open", roles=PARTNER_ROLES | CAM_ROLES, chats=ANYWHERE_PRIVATE, private=False)
async def open_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """The button on a CAM alert line or in `partners`: that partner's checklist."""
    assert req.person is not None
    found = await services.checklist(deps.uow, req.person, req.value, deps.now(), policy(deps))
    return [Reply(checklist_message(found))]


def portfolio_line(line: PortfolioLine) -> str:
    parts = [f"{line.partner} ({line.partner_id})", f"{line.type}/{line.tier}"]
    if line.health is not None:
        low = (
            f" ({reasons_text(list(line.health_reasons))})" if line.health < LOW_HEALTH and line.health_reasons else ""
        )
        parts.append(_("health %(score)s") % {"score": line.health} + low)
    if line.day is not None:
        parts.append(_("day %(day)s") % {"day": line.day})
    if line.overdue:
        parts.append(_("%(n)s overdue") % {"n": line.overdue})
    if line.days_left is not None:
        parts.append(
            ngettext("%(n)s day left to activate", "%(n)s days left to activate", line.days_left)
            % {"n": line.days_left}
            if line.days_left >= 0
            else _("activation window passed")
        )
    parts.append(ngettext("%(n)s open lead", "%(n)s open leads", line.open_leads) % {"n": line.open_leads})
    parts.append(ngettext("%(n)s claim in 90 days", "%(n)s claims in 90 days", line.claims) % {"n": line.claims})
    if line.sla_misses:
        parts.append(
            ngettext("%(n)s lead follow-up missed", "%(n)s lead follow-ups missed", line.sla_misses)
            % {"n": line.sla_misses}
        )
    parts.append(ngettext("%(n)s deal", "%(n)s deals", line.deals) % {"n": line.deals})
    if line.last_activity:
        parts.append(_("last activity %(date)s") % {"date": format_date(line.last_activity)})
    return " · ".join(parts)


def _sorted(lines: list[PortfolioLine], how: str) -> list[PortfolioLine]:
    if how == "health":
        return sorted(lines, key=lambda line: line.health if line.health is not None else 101)
    if how == "overdue":
        return sorted(lines, key=lambda line: -line.overdue)
    if how == "activation":
        return sorted(lines, key=lambda line: line.days_left if line.days_left is not None else 10**6)
    if how == "activity":
        return sorted(lines, key=lambda line: line.last_activity or dt.date.min)
    if how == "leads":
        return sorted(lines, key=lambda line: -line.open_leads)
    if how == "misses":
        return sorted(lines, key=lambda line: -line.sla_misses)
    if how == "name":
        return sorted(lines, key=lambda line: line.partner.lower())
    return lines


@router.command(
    "partners",
    roles=CAM_ROLES,
    help=N_("your partners, riskiest first: overdue milestones, activation, activity, leads"),
    usage=N_("/partners [risk|health|overdue|activation|activity|leads|misses|name]"),
)
async def partners_command(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    how = req.args.strip().lower() or "risk"
    if how not in SORTS:
        return [Reply(Message(text=_("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)}))]
    lines = _sorted(await services.portfolio(deps.uow, req.person, deps.now(), policy(deps)), how)
    if not lines:
        return [Reply(Message(text=_("No partners name you as their CAM.")))]
    buttons = [
        Button(_("Checklist %(partner)s") % {"partner": line.partner_id}, "onboarding.open", line.partner_id)
        for line in lines[:5]
    ]
    return [Reply(Message(title=_("Your partners"), items=[portfolio_line(line) for line in lines], buttons=buttons))]


@router.action("nudge.done", roles=PARTNER_ROLES)
async def done_action(req: Request, deps: Deps) -> list[ReplyItem]:
    """The bot cannot see most milestones: it asks before recording the partner's word."""
    milestone = MILESTONES.get(req.value)
    if milestone is None:
        return [Notice(_("This button is out of date."), alert=True)]
    if milestone.verified:
        return [Notice(_("The bot sees this one by itself; nothing to confirm."))]
    return [
        Reply(
            Message(
                text=_("Is “%(title)s” done? Your CAM sees your answer.") % {"title": _(milestone.title)},
                buttons=[
                    Button(_("Yes, it is done"), "nudge.confirm", milestone.key, style="primary"),
                    Button(_("Not yet"), "nudge.snooze", milestone.key),
                ],
            )
        )
    ]


@router.action("nudge.confirm", roles=PARTNER_ROLES)
async def confirm_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    title = await services.confirm_milestone(deps.uow, req.person, req.value, deps.now(), policy(deps))
    return [
        Notice(_("Recorded.")),
        Reply(Message(text=_("“%(title)s” is recorded as done. Thank you!") % {"title": _(title)})),
    ]


@router.action("nudge.snooze", roles=PARTNER_ROLES)
async def snooze_action(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    until = await services.snooze(deps.uow, req.person, req.value, deps.now(), policy(deps))
    return [Notice(_("I will ask again on %(date)s.") % {"date": format_date(until)})]
