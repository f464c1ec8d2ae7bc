"""Follow-up SLA: reminder at half time with one-tap buttons, reclaim at the end, release, stages."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from domain.leads.models import LeadEvent
from tests.chat import ChatFactory, Clock, FakeChat
from tests.leads.helpers import import_leads, lead, lead_row, outbox, partner_id


async def _claimed(chats: ChatFactory, priority: str = "warm") -> tuple[FakeChat, FakeChat]:
    ana = await chats.linked("ana@acme.example")
    ben = await chats.linked("ben@globex.example")
    await import_leads(chats.app, [lead_row("F-1", priority=priority)])
    answer = await ana.press("lead.claim", "F-1")
    assert "You got it" in answer.text
    await chats.deliver()
    return ana, ben


async def test_reminder_at_half_time_with_one_tap_buttons_once(app: App, chats: ChatFactory, clock: Clock) -> None:
    ana, _ben = await _claimed(chats)
    before = len(chats.transport.to(ana.chat.chat_id))
    clock.advance(hours=23, minutes=59)
    assert (await app.sweep(clock()))["leads_followup_reminders"] == 0
    clock.advance(minutes=1)
    assert (await app.sweep(clock()))["leads_followup_reminders"] == 1
    assert (await app.sweep(clock()))["leads_followup_reminders"] == 0
    await chats.deliver()
    await app.sweep(clock())
    await chats.deliver()
    messages = chats.transport.to(ana.chat.chat_id)[before:]
    assert len(messages) == 1, "sweeping twice sends nothing twice"
    reminder = messages[0].message
    assert "Reminder" in reminder.plain_text() and "Company F-1" in reminder.plain_text()
    values = [(b.action, b.value) for b in reminder.buttons]
    assert ("lead.update", "F-1:contacted") in values and ("lead.update", "F-1:disqualified") in values
    assert all(len(f"{a}|{v}".encode()) <= 64 for a, v in values)
    answer = await ana.press("lead.update", "F-1:contacted")
    assert "now contacted" in answer.text and "within the SLA" in answer.text
    clock.advance(hours=48)
    counts = await app.sweep(clock())
    assert counts["leads_followup_reclaimed"] == 0, "an update stops the SLA clock"


async def test_reclaim_at_the_end_tells_partner_alerts_cam_and_reoffers_without_them(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    ana, ben = await _claimed(chats)
    carla = await chats.linked("carla.cam@vendor.example")
    clock.advance(hours=48)
    counts = await app.sweep(clock())
    assert counts["leads_followup_reclaimed"] == 1
    assert (await app.sweep(clock()))["leads_followup_reclaimed"] == 0
    row = await lead(app, "F-1")
    acme = await partner_id(app, "P-ACME")
    assert row.status == "offered" and row.round == 2 and acme in row.excluded_partner_ids
    await chats.deliver()
    texts = [m.current.plain_text() for m in chats.transport.to(ana.chat.chat_id)]
    assert any("was reclaimed" in t and "48-hour" in t for t in texts)
    assert not any("New lead up for grabs" in m.message.plain_text() for m in chats.transport.to(ana.chat.chat_id)[1:])
    assert any(
        "reclaimed from Acme Cloud Resellers" in m.message.plain_text() for m in chats.transport.to(carla.chat.chat_id)
    )
    offers = [m for m in chats.transport.to(ben.chat.chat_id) if "up for grabs" in m.message.plain_text()]
    assert len(offers) == 2, "Globex is offered the lead again"
    refused = await ana.press("lead.claim", "F-1")
    assert "not available to you" in refused.text
    assert "You got it" in (await ben.press("lead.claim", "F-1")).text
    async with app.uow() as uow:
        kinds = list((await uow.session.scalars(select(LeadEvent.kind).order_by(LeadEvent.id))).all())
    assert "reclaimed" in kinds


async def test_release_gives_the_lead_back_at_once(app: App, chats: ChatFactory) -> None:
    ana, ben = await _claimed(chats)
    asked = await ana.press("lead.release", "F-1")  # irreversible: asked first, nothing changes yet
    assert "cannot come back to you" in asked.text and asked.button("lead.release_confirm").value == "F-1"
    assert (await lead(app, "F-1")).status == "claimed"
    assert "Nothing changed" in (await ana.press("lead.keep", "F-1")).text
    answer = await ana.press("lead.release_confirm", "F-1")
    assert "released lead F-1" in answer.text
    row = await lead(app, "F-1")
    assert row.status == "offered" and await partner_id(app, "P-ACME") in row.excluded_partner_ids
    assert "not available to you" in (await ana.press("lead.release_confirm", "F-1")).text
    assert "not available to you" in (await ana.press("lead.release", "F-1")).text
    assert "You got it" in (await ben.press("lead.claim", "F-1")).text


async def test_stages_move_forward_and_disqualify_asks_for_a_reason(app: App, chats: ChatFactory) -> None:
    ana, ben = await _claimed(chats)
    assert "now meeting" in (await ana.press("lead.update", "F-1:meeting")).text
    assert "already at meeting" in (await ana.press("lead.update", "F-1:contacted")).text
    assert "not available to you" in (await ben.press("lead.update", "F-1:qualified")).text
    asked = await ana.press("lead.update", "F-1:disqualified")
    assert "Why is the lead disqualified?" in asked.text
    done = await ana.send("Customer chose an on-prem competitor")
    assert "now disqualified" in done.text
    row = await lead(app, "F-1")
    assert row.status == "disqualified" and row.disqualify_reason == "Customer chose an on-prem competitor"
    assert row.closed_at is not None


async def test_disqualify_in_a_modal_and_convert_opens_the_deal_form(app: App, chats: ChatFactory) -> None:
    ana, _ben = await _claimed(chats)
    modal = await ana.submit("lead.disqualify", {"reason": "x"})
    assert "Which lead?" in modal.text
    answer = await ana.press("lead.convert", "F-1")
    assert "Register a deal — step 1 of 10" in answer.text and "Suggested:" in answer.text
    assert "Cancelled" in (await ana.send("/cancel")).text
    assert (await lead(app, "F-1")).status == "claimed"  # a form left unsent converts nothing
    from tests.deals.conftest import VALUES

    registered = await ana.submit("deal.register", {**VALUES, "lead_id": "F-1"})
    assert "Deal D-000001 is registered" in registered.text
    assert (await lead(app, "F-1")).status == "converted"
    assert "closed" in (await ana.press("lead.convert", "F-1")).text
    assert len(await outbox(app, "lead.reminder")) == 0


async def test_convert_opens_the_deal_form_prefilled_when_it_exists(app: App, chats: ChatFactory) -> None:
    from handlers.model import FormField, FormSpec
    from handlers.router import FormRoute

    async def submit(*_args: object) -> list[object]:
        return []

    spec = FormSpec("deal.register", "Register a deal", (FormField("company", "Company"), FormField("lead_id", "Lead")))
    app.dispatcher.forms["deal.register"] = FormRoute("deal.register", lambda: spec, submit)  # type: ignore[arg-type]
    ana, _ben = await _claimed(chats)
    answer = await ana.press("lead.convert", "F-1")
    assert "Company" in answer.text and "Company F-1" in answer.text, answer.text
