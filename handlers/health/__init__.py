"""The program-health capability: certification and agreement imports and reminders, the nightly tier
and health evaluation, and announcements (`partnerbot announce`). `partners` (handlers/onboarding) shows
each partner's health score with the reasons behind a low one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.health import analytics, compliance, nightly
from domain.health.policy import HealthPolicy, parse_thresholds, parse_weights
from domain.sweeps import Sweep
from handlers.capability import Capability, ImportKind, ReportKind, Setting
from handlers.deps import Deps
from handlers.health import pushes  # noqa: F401  (registers the push renderers on the router)
from handlers.health.pushes import router
from handlers.messengers import CAM_CHANNEL_SETTINGS, program_cam_channel
from handlers.model import Request
from handlers.router import OFFERS

__all__ = ["CAPABILITY"]

SETTINGS = (*CAM_CHANNEL_SETTINGS, "tier_thresholds", "health_weights", "block_deals_on_expired_agreement")


def _services(deps: Deps, setting: Setting) -> Iterable[object]:
    return [
        HealthPolicy(
            thresholds=parse_thresholds(setting("tier_thresholds")),
            weights=parse_weights(setting("health_weights")),
            block_deals_on_expired_agreement=bool(setting("block_deals_on_expired_agreement")),
            cam_channel=program_cam_channel(setting),
            calendar=deps.calendar,
        )
    ]


def policy(deps: Deps) -> HealthPolicy:
    return deps.services[HealthPolicy]


def _sweeps(deps: Deps) -> Sequence[Sweep]:
    return (*compliance.sweeps(policy(deps)), *nightly.sweeps(policy(deps)))


def _today(deps: Deps) -> dict[str, Any]:
    return {"today": deps.now().date() - dt.timedelta(days=1)}  # a day's grace for the other side of the world


def _context(deps: Deps) -> dict[str, Any]:
    return {"now": deps.now(), "policy": policy(deps)}


def _credentials(category: str, person_required: bool, what: str) -> ImportKind:
    return ImportKind(
        compliance.columns(person_required),
        compliance.validate_credentials,
        compliance.writer(category),
        _context,
        help=f"{what}: partner_id, person_email, kind, expires_on; reminders 30 and 7 days before expiry.",
        validate_context=_today,
    )


@router.on_action
async def record_offered_action(req: Request, deps: Deps) -> None:
    """A press of an action some push offers, for the notifications report."""
    if req.person is not None and any(req.name in offered for offered in OFFERS.values()):
        await analytics.record_action(deps.uow, req.person.id, req.name, req.platform, deps.now())


async def _notification_rows(session: AsyncSession, since: dt.datetime) -> list[analytics.PushStats]:
    return await analytics.notifications_report(session, since, OFFERS)


CAPABILITY = Capability(
    name="health",
    router=router,
    settings=SETTINGS,
    services=_services,
    sweeps=_sweeps,
    imports={
        "certifications": _credentials("certification", True, "Certifications of partner people"),
        "agreements": _credentials("agreement", False, "Partner agreements"),
    },
    reports={
        "notifications": ReportKind(
            title="Pushes that led to action",
            rows=_notification_rows,
            as_table=analytics.as_table,
            as_csv=analytics.as_csv,
            as_json=analytics.as_json,
            chart=analytics.chart,
        )
    },
)
