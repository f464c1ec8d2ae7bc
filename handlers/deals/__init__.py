"""The deals capability: the registration form with its live conflict warning, `deal` and `deals`, the
CAM's decision buttons and reason forms, protection reminders and expiry, CRM outcomes and `report deals`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.deals import importing, protection, reports
from domain.deals.policy import DealPolicy
from domain.sweeps import Sweep
from handlers.capability import Capability, ImportKind, ReportKind, Setting
from handlers.deals import pushes  # noqa: F401  (registers the push renderers on the router)
from handlers.deals.routes import policy, router
from handlers.deps import Deps
from handlers.messengers import CAM_CHANNEL_SETTINGS, program_cam_channel

__all__ = ["CAPABILITY"]

SETTINGS = (
    *CAM_CHANNEL_SETTINGS,
    "deal_conflict_threshold",
    "deal_protection_days",
    "block_deals_on_expired_agreement",
)


def _services(deps: Deps, setting: Setting) -> Iterable[object]:
    import datetime as dt

    return [
        DealPolicy(
            cam_channel=program_cam_channel(setting),
            conflict_threshold=int(setting("deal_conflict_threshold")),
            protection=dt.timedelta(days=int(setting("deal_protection_days"))),
            calendar=deps.calendar,
            block_on_expired_agreement=bool(setting("block_deals_on_expired_agreement")),
        )
    ]


def _sweeps(deps: Deps) -> Sequence[Sweep]:
    return protection.sweeps(policy(deps))


def _import_context(deps: Deps) -> dict[str, Any]:
    return {"now": deps.now(), "policy": policy(deps)}


CAPABILITY = Capability(
    name="deals",
    router=router,
    settings=SETTINGS,
    services=_services,
    sweeps=_sweeps,
    imports={
        "deals": ImportKind(
            importing.DEAL_COLUMNS,
            importing.validate_deals,
            importing.import_deals,
            _import_context,
            help="CRM outcomes: deal_id, status won|lost, closed_on, amount; a won deal accrues its commission.",
        )
    },
    reports={
        "deals": ReportKind(
            title="Deals by partner",
            rows=reports.deal_report,
            as_table=reports.as_table,
            as_csv=reports.as_csv,
            as_json=reports.as_json,
            chart=reports.chart,
        )
    },
)
