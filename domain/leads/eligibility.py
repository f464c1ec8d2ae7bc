"""Which partners may get a lead, and why (DOMAIN.md "Eligibility").

Every rule yields a `Reason` whether it passed or not, so a CAM can ask why a partner was or was not
offered a lead; the reasons of the offered partners are kept on their offer rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.leads.models import Lead
from domain.leads.policy import HOLDING, TIER_RANK, LeadPolicy
from domain.models import Partner


@dataclass(frozen=True)
class Reason:
    """One rule's outcome; `code` names the rule, `params` what was compared (for the CAM's eyes)."""

    code: str
    ok: bool
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    partner_id: int
    partner_external_id: str
    partner_name: str
    tier: str
    reasons: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return all(r.ok for r in self.reasons)


def judge(lead: Lead, partner: Partner, open_leads: int, policy: LeadPolicy) -> Verdict:
    """Apply every rule to one partner; pure, so it is tested without a database."""
    reasons = [
        Reason("region", (partner.region or "") == lead.region, {"lead": lead.region, "partner": partner.region or ""})
    ]
    if lead.vertical and partner.verticals:
        reasons.append(
            Reason(
                "vertical", lead.vertical in partner.verticals, {"lead": lead.vertical, "partner": partner.verticals}
            )
        )
    else:
        reasons.append(Reason("vertical_any", True, {"lead": lead.vertical or ""}))
    if lead.product and partner.products:
        reasons.append(
            Reason("product", lead.product in partner.products, {"lead": lead.product, "partner": partner.products})
        )
    else:
        reasons.append(Reason("product_any", True, {"lead": lead.product or ""}))
    if lead.min_tier:
        ok = TIER_RANK.get(partner.tier, 0) >= TIER_RANK.get(lead.min_tier, 0)
        reasons.append(Reason("tier", ok, {"lead": lead.min_tier, "partner": partner.tier}))
    else:
        reasons.append(Reason("tier_any", True, {"partner": partner.tier}))
    limit = policy.capacity_of(partner.tier)
    reasons.append(Reason("capacity", open_leads < limit, {"open": open_leads, "limit": limit}))
    if partner.id in (lead.excluded_partner_ids or []):
        reasons.append(Reason("excluded", False, {}))
    return Verdict(partner.id, partner.external_id, partner.name, partner.tier, tuple(reasons))


async def open_lead_counts(session: AsyncSession, partner_ids: Iterable[int]) -> dict[int, int]:
    """Leads each partner holds (claimed/accepted, not closed); an indexed lookup per partner."""
    ids = list(partner_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Lead.partner_id, func.count())
        .where(Lead.partner_id.in_(ids), Lead.status.in_(HOLDING))
        .group_by(Lead.partner_id)
    )
    return {pid: int(n) for pid, n in rows.all() if pid is not None}


async def assess(session: AsyncSession, lead: Lead, policy: LeadPolicy, *, region_only: bool = True) -> list[Verdict]:
    """Verdicts for the partners of the lead's region (or every partner, for a CAM's question)."""
    query = select(Partner).order_by(Partner.id)
    if region_only:
        query = query.where(Partner.region == lead.region)
    partners: Sequence[Partner] = (await session.scalars(query)).all()
    counts = await open_lead_counts(session, [p.id for p in partners])
    return [judge(lead, p, counts.get(p.id, 0), policy) for p in partners]


async def eligible(session: AsyncSession, lead: Lead, policy: LeadPolicy) -> list[Verdict]:
    return [v for v in await assess(session, lead, policy) if v.eligible]
