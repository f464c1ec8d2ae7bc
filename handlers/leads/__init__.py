"""The leads capability: shark-tank, round-robin and direct leads, worked and followed up in chat.

Its parts: ``working`` (a partner's commands and buttons), ``assigning`` (a CAM's `why` and
`assign`), ``notifications`` (how each lead push looks) and ``cards`` (what they share).  The
program's rules are in domain/leads; this package only speaks chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from domain.leads import followup, importing, reports
from domain.leads.policy import LeadPolicy
from domain.sweeps import Sweep
from handlers.capability import Capability, DemoData, ImportKind, ReportKind, Setting
from handlers.deps import Deps
from handlers.leads import assigning, notifications, unclaimed, working
from handlers.leads.cards import lead_policy
from handlers.leads.routes import router
from handlers.messengers import CAM_CHANNEL_SETTINGS, program_cam_channel

__all__ = ["CAPABILITY", "assigning", "notifications", "unclaimed", "working"]

DEMO = Path(__file__).resolve().parent / "demo"


def _services(deps: Deps, setting: Setting) -> Iterable[object]:
    """The program's numbers, its windows counted on the program's business calendar; CAM alerts go to
    the program's CAM channel when one is set (handlers.messengers)."""
    return [LeadPolicy(cam_channel=program_cam_channel(setting), calendar=deps.calendar)]


def _sweeps(deps: Deps) -> Sequence[Sweep]:
    return followup.sweeps(lead_policy(deps))


def _import_context(deps: Deps) -> dict[str, Any]:
    return {"now": deps.now(), "policy": lead_policy(deps)}


CAPABILITY = Capability(
    name="leads",
    router=router,
    settings=CAM_CHANNEL_SETTINGS,
    services=_services,
    sweeps=_sweeps,
    imports={
        "leads": ImportKind(
            importing.LEAD_COLUMNS,
            importing.validate_leads,
            importing.import_leads,
            _import_context,
            help="Leads: lead_id, company, …, priority, assignment, partner_id; each new lead is distributed at once.",
        )
    },
    reports={
        "leads": ReportKind(
            title="Leads by partner",
            rows=reports.lead_report,
            as_table=reports.as_table,
            as_csv=reports.as_csv,
            as_json=reports.as_json,
            chart=reports.chart,
        )
    },
    demo=DemoData(imports=(("leads", DEMO / "leads.csv"),)),
)
