"""The onboarding capability: tracks by partner type, the daily journey sweep (nudges, CAM alerts, the
90-day review), `onboarding`, `partners`, the nudge buttons, `import milestones` and `report onboarding`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from domain.onboarding import demo, importing, journeys, reports
from domain.onboarding.policy import OnboardingPolicy
from domain.onboarding.tracks import load_tracks
from domain.sweeps import Sweep
from handlers.capability import Capability, DemoData, ImportKind, ReportKind, Setting
from handlers.deps import Deps
from handlers.messengers import CAM_CHANNEL_SETTINGS, program_cam_channel
from handlers.onboarding import pushes  # noqa: F401  (registers the push renderers on the router)
from handlers.onboarding.routes import policy, router

__all__ = ["CAPABILITY"]

SETTINGS = (*CAM_CHANNEL_SETTINGS, "onboarding_tracks")


def _services(deps: Deps, setting: Setting) -> Iterable[object]:
    return [
        OnboardingPolicy(
            tracks=load_tracks(setting("onboarding_tracks")),
            calendar=deps.calendar,
            cam_channel=program_cam_channel(setting),
        )
    ]


def _sweeps(deps: Deps) -> Sequence[Sweep]:
    return journeys.sweeps(policy(deps))


def _today(deps: Deps) -> dict[str, Any]:
    return {"today": deps.now().date() + dt.timedelta(days=1)}  # a day's grace for the other side of the world


async def _demo(deps: Deps) -> str | None:
    return await demo.newcomer(deps.uow, deps.now())


def _import_context(deps: Deps) -> dict[str, Any]:
    return {"now": deps.now()}


CAPABILITY = Capability(
    name="onboarding",
    router=router,
    settings=SETTINGS,
    services=_services,
    sweeps=_sweeps,
    imports={
        "milestones": ImportKind(
            importing.MILESTONE_COLUMNS,
            importing.validate_milestones,
            importing.import_milestones,
            _import_context,
            help="Milestone events: partner_id, milestone, status attempted|completed, percent, at "
            "(or completed_on), detail, person_email, expires_on.",
            validate_context=_today,
        )
    },
    reports={
        "onboarding": ReportKind(
            title="Onboarding",
            rows=reports.onboarding_report,
            as_table=reports.as_table,
            as_csv=reports.as_csv,
            as_json=reports.as_json,
            chart=reports.chart,
        )
    },
    demo=DemoData(extra=_demo),
)
