"""Round robin (tier-weighted, capacity-aware, persistent) and direct assignment with the 24 h window."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from domain.leads.distribution import pick_round_robin
from domain.leads.eligibility import Reason, Verdict
from domain.leads.models import Lead
from domain.leads.policy import LeadPolicy
from domain.models import Partner
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.leads.helpers import add_partners, fill_to_capacity, import_leads, lead, lead_row, outbox, partner_id


def _verdict(pid: int, tier: str) -> Verdict:
    return Verdict(pid, f"P-{pid}", f"P{pid}", tier, (Reason("region", True),))


async def test_rotation_is_weighted_by_tier_and_persists(app: App, chats: ChatFactory, clock: Clock) -> None:
    async with app.uow() as uow:
        ids = {p.external_id: p.id for p in (await uow.session.scalars(select(Partner))).all()}
    candidates = [
        _verdict(ids["P-UMBRELLA"], "platinum"),
        _verdict(ids["P-ACME"], "gold"),
        _verdict(ids["P-HOOLI"], "registered"),
    ]
    picks = []
    for _ in range(6):
        async with app.uow() as uow:
            picked = await pick_round_robin(uow.session, candidates, LeadPolicy())
            await uow.commit()
        assert picked is not None
        picks.append(picked.partner_id)
    named = {v: k for k, v in ids.items()}
    by_name = [named[p] for p in picks]
    assert by_name.count("P-UMBRELLA") == 3 and by_name.count("P-ACME") == 2 and by_name.count("P-HOOLI") == 1
    assert by_name[0] == "P-UMBRELLA", "the heaviest goes first"
    # A new app on the same database continues the rotation where it stopped.
    other = make_app(str(app.engine.url.render_as_string(hide_password=False)), clock)
    try:
        async with other.uow() as uow:
            picked = await pick_round_robin(uow.session, candidates, LeadPolicy())
        assert picked is not None and picked.partner_id == ids["P-UMBRELLA"], "a fresh cycle starts with the heaviest"
    finally:
        await other.close()


async def test_round_robin_lead_waits_for_acceptance_then_moves_on(app: App, chats: ChatFactory, clock: Clock) -> None:
    clock.advance(hours=3)  # 10:00 in São Paulo: outside Ursula's quiet hours
    ursula = await chats.linked("ursula@umbrella.example")
    hugo = await chats.linked("hugo@hooli.example")
    await import_leads(app, [lead_row("R-1", region="latam", product="backup", assignment="round_robin")])
    row = await lead(app, "R-1")
    assert row.status == "assigned" and row.partner_id == await partner_id(app, "P-UMBRELLA")
    await chats.deliver()
    [assigned] = chats.transport.to(ursula.chat.chat_id)
    assert [b.action for b in assigned.message.buttons] == ["lead.accept", "lead.decline"]
    assert "pat@" not in assigned.message.plain_text()
    refused = await hugo.press("lead.accept", "R-1")
    assert "not available to you" in refused.text, "Hooli was never offered R-1"
    clock.advance(hours=24)
    counts = await app.sweep(clock())
    assert counts["leads_acceptance_expired"] == 1
    assert (await app.sweep(clock()))["leads_acceptance_expired"] == 0
    row = await lead(app, "R-1")
    assert row.partner_id == await partner_id(app, "P-HOOLI") and row.status == "assigned"
    assert await partner_id(app, "P-UMBRELLA") in row.excluded_partner_ids
    accepted = await hugo.press("lead.accept", "R-1")
    assert "Lead R-1 is yours" in accepted.text and "pat@r-1.example" in accepted.text
    assert (await lead(app, "R-1")).status == "accepted"
    await chats.deliver()
    assert "no longer offered" in chats.transport.to(ursula.chat.chat_id)[0].current.text
    assert await outbox(app, "lead.cam_alert") == [], "round robin timeouts do not alert the CAM"


async def test_round_robin_skips_partners_at_capacity(app: App, chats: ChatFactory) -> None:
    umbrella = await partner_id(app, "P-UMBRELLA")
    await fill_to_capacity(app, umbrella, region="latam", status="accepted")
    await import_leads(app, [lead_row("R-2", region="latam", product="backup", assignment="round_robin")])
    assert (await lead(app, "R-2")).partner_id == await partner_id(app, "P-HOOLI")


async def test_decline_alerts_the_cam_and_moves_on(app: App, chats: ChatFactory, clock: Clock) -> None:
    clock.advance(hours=3)
    ursula = await chats.linked("ursula@umbrella.example")
    diego = await chats.linked("diego.cam@vendor.example")
    await import_leads(app, [lead_row("R-3", region="latam", product="backup", assignment="round_robin")])
    answer = await ursula.press("lead.decline", "R-3")
    assert "declined lead R-3" in answer.text
    assert (await lead(app, "R-3")).partner_id == await partner_id(app, "P-HOOLI")
    await chats.deliver()
    [alert] = chats.transport.to(diego.chat.chat_id)
    assert "Umbrella Distribution declined lead R-3" in alert.message.plain_text()
    again = await ursula.press("lead.decline", "R-3")
    assert "not waiting for your answer" in again.text


async def test_direct_assignment_unaccepted_alerts_the_cam(app: App, chats: ChatFactory, clock: Clock) -> None:
    clock.advance(hours=5)  # 10:00 in New York
    ivan = await chats.linked("ivan@initech.example")
    carla = await chats.linked("carla.cam@vendor.example")
    await import_leads(
        app, [lead_row("D-1", region="amer", product="security", assignment="direct", partner_id="P-INITECH")]
    )
    row = await lead(app, "D-1")
    assert row.status == "assigned" and row.mode == "direct"
    await chats.deliver()
    assert [b.action for b in chats.transport.to(ivan.chat.chat_id)[0].message.buttons] == [
        "lead.accept",
        "lead.decline",
    ]
    clock.advance(hours=24, seconds=1)
    await app.sweep(clock())
    await chats.deliver()
    alerts = [m.message.plain_text() for m in chats.transport.to(carla.chat.chat_id)]
    assert any("did not accept lead D-1 in time" in text for text in alerts)
    assert (await lead(app, "D-1")).status == "expired", "no other amer partner sells security"


async def test_a_cam_can_assign_directly(app: App, chats: ChatFactory) -> None:
    carla = await chats.linked("carla.cam@vendor.example")
    diego = await chats.linked("diego.cam@vendor.example")
    await import_leads(app, [lead_row("A-1")])
    assert "not one of your partners" in (await diego.send("/assign A-1 P-ACME")).text
    answer = await carla.send("/assign A-1 P-ACME")
    assert "assigned directly" in answer.text
    row = await lead(app, "A-1")
    assert (row.status, row.mode, row.partner_id) == ("assigned", "direct", await partner_id(app, "P-ACME"))
    closed = await outbox(app, "lead.offer_closed")
    assert all(r.payload["outcome"] == "withdrawn" for r in closed)


async def test_many_partners_share_round_robin_by_weight(app: App, chats: ChatFactory) -> None:
    await add_partners(app, 2, tier="platinum", prefix="PL", region="apac")
    await add_partners(app, 2, tier="registered", prefix="RG", region="apac")
    rows = [lead_row(f"W-{n}", region="apac", assignment="round_robin") for n in range(16)]
    await import_leads(app, rows)
    async with app.uow() as uow:
        got = (
            await uow.session.execute(
                select(Partner.tier, Lead.id)
                .join(Lead, Lead.partner_id == Partner.id)
                .where(Lead.external_id.like("W-%"))
            )
        ).all()
    tiers = [tier for tier, _ in got]
    # Kaiju (silver, apac, cloud-suite) takes part too: weights 3+3+1+1+1 = 9 per cycle.
    assert tiers.count("platinum") >= 2 * tiers.count("registered")
