"""The tickets capability: the ticket form, `tickets`, `queue`, the agents' and partners' buttons, the
support channel's root messages, and the SLA sweeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.addresses import Address
from domain.sweeps import Sweep
from domain.tickets import reports, sweeps
from domain.tickets.desk import Desk
from handlers.capability import Capability, ReportKind, Setting
from handlers.deps import Deps
from handlers.messengers import channel_address
from handlers.tickets import pushes  # noqa: F401  (registers the push renderers on the router)
from handlers.tickets.routes import desk, router

__all__ = ["CAPABILITY"]

SETTINGS = ("slack_support_channel", "slack_escalation_channel")


def _services(deps: Deps, setting: Setting) -> Iterable[object]:
    support: Address | None = channel_address("slack_support_channel", setting)
    escalation: Address | None = channel_address("slack_escalation_channel", setting)
    return [Desk(deps.calendar, support, escalation)]


def _sweeps(deps: Deps) -> Sequence[Sweep]:
    return sweeps.sweeps(desk(deps))


CAPABILITY = Capability(
    name="tickets",
    router=router,
    settings=SETTINGS,
    services=_services,
    sweeps=_sweeps,
    reports={
        "support": ReportKind(
            title="Support by category",
            rows=reports.support_report,
            as_table=reports.as_table,
            as_csv=reports.as_csv,
            as_json=reports.as_json,
            chart=reports.chart,
        )
    },
)
