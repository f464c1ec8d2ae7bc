"""Eligibility exactly as DOMAIN.md, with the reasons kept for a CAM's question."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from domain.leads.eligibility import judge
from domain.leads.models import Lead, LeadOffer
from domain.leads.policy import LeadPolicy
from domain.models import Partner
from tests.chat import ChatFactory
from tests.leads.helpers import fill_to_capacity, import_leads, lead, lead_row, partner_id


def _lead(**values: object) -> Lead:
    base = {"region": "emea", "vertical": None, "product": None, "min_tier": None, "excluded_partner_ids": []}
    base.update(values)
    return Lead(**base)


def _partner(**values: object) -> Partner:
    base = {
        "id": 1,
        "external_id": "P-1",
        "name": "One",
        "tier": "silver",
        "region": "emea",
        "verticals": [],
        "products": [],
    }
    base.update(values)
    return Partner(**base)


def _failed(verdict: object) -> list[str]:
    return [r.code for r in verdict.reasons if not r.ok]  # type: ignore[attr-defined]


def test_each_rule_gives_its_reason() -> None:
    policy = LeadPolicy()
    assert judge(_lead(), _partner(), 0, policy).eligible
    assert _failed(judge(_lead(region="apac"), _partner(), 0, policy)) == ["region"]
    finance = _lead(vertical="finance")
    assert _failed(judge(finance, _partner(verticals=["retail"]), 0, policy)) == ["vertical"]
    assert judge(finance, _partner(verticals=[]), 0, policy).eligible, "no partner verticals: any vertical"
    assert judge(_lead(), _partner(verticals=["retail"]), 0, policy).eligible, "no lead vertical: any partner"
    backup = _lead(product="backup")
    assert _failed(judge(backup, _partner(products=["security"]), 0, policy)) == ["product"]
    assert judge(backup, _partner(products=["backup", "security"]), 0, policy).eligible
    gold = _lead(min_tier="gold")
    assert _failed(judge(gold, _partner(tier="silver"), 0, policy)) == ["tier"]
    assert judge(gold, _partner(tier="platinum"), 0, policy).eligible
    assert judge(gold, _partner(tier="gold"), 0, policy).eligible
    assert _failed(judge(_lead(excluded_partner_ids=[1]), _partner(), 0, policy)) == ["excluded"]


def test_capacity_is_ten_from_silver_and_five_for_registered() -> None:
    policy = LeadPolicy()
    assert judge(_lead(), _partner(tier="silver"), 9, policy).eligible
    assert _failed(judge(_lead(), _partner(tier="silver"), 10, policy)) == ["capacity"]
    assert judge(_lead(), _partner(tier="registered"), 4, policy).eligible
    verdict = judge(_lead(), _partner(tier="registered"), 5, policy)
    assert _failed(verdict) == ["capacity"]
    assert next(r for r in verdict.reasons if r.code == "capacity").params == {"open": 5, "limit": 5}


async def test_offers_keep_the_reasons_and_go_only_to_eligible_partners(app: App, chats: ChatFactory) -> None:
    result, errors = await import_leads(app, [lead_row("L-1", vertical="manufacturing")])
    assert errors == [] and result.created == 1
    row = await lead(app, "L-1")
    async with app.uow() as uow:
        offers = (await uow.session.scalars(select(LeadOffer).where(LeadOffer.lead_id == row.id))).all()
    # Acme (manufacturing; cloud-suite) yes; Globex (finance/healthcare) no; others are not in emea.
    assert [o.partner_id for o in offers] == [await partner_id(app, "P-ACME")]
    codes = {r["code"]: r["ok"] for r in offers[0].reasons}
    assert codes["region"] and codes["vertical"] and codes["product"] and codes["capacity"]


async def test_partners_at_capacity_are_not_offered(app: App, chats: ChatFactory) -> None:
    acme = await partner_id(app, "P-ACME")
    await fill_to_capacity(app, acme, region="emea", status="contacted")
    await import_leads(app, [lead_row("L-2")])
    row = await lead(app, "L-2")
    async with app.uow() as uow:
        offered = set(
            (await uow.session.scalars(select(LeadOffer.partner_id).where(LeadOffer.lead_id == row.id))).all()
        )
    assert acme not in offered
    assert await partner_id(app, "P-GLOBEX") in offered


async def test_a_cam_can_ask_why_and_a_partner_cannot(app: App, chats: ChatFactory) -> None:
    await import_leads(app, [lead_row("L-3", vertical="finance", min_tier="gold")])
    carla = await chats.linked("carla.cam@vendor.example")
    answer = await carla.send("/why L-3")
    assert "✓ P-GLOBEX" in answer.text
    assert "✗ P-ACME" in answer.text and "vertical finance not in manufacturing, retail" in answer.text
    assert "✗ P-INITECH" in answer.text and "region amer, lead is in emea" in answer.text
    assert "P-KAIJU" not in answer.text, "Kaiju belongs to another CAM"
    ana = await chats.linked("ana@acme.example")
    refused = await ana.send("/why L-3")
    assert "not available for your role" in refused.text
