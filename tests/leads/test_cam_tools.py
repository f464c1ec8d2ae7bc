"""A CAM's tools for leads (issue 17, item 7): `unclaimed` with why, `assign` by a partner's name with a
picker when several fit, and `why` in a CAM's words rather than field names."""

from __future__ import annotations

from bot.app import App
from tests.chat import ChatFactory, Clock, FakeChat
from tests.leads.helpers import import_leads, lead, lead_row, outbox, partner_id


async def test_unclaimed_lists_waiting_and_run_out_leads_with_why(app: App, chats: ChatFactory, clock: Clock) -> None:
    carla = await chats.linked("carla.cam@vendor.example")
    await import_leads(app, [lead_row("UC-1"), lead_row("UC-2", product="quantum-widgets")])
    answer = await carla.command("unclaimed")
    (waiting,) = [line for line in answer.messages[0].items if line.startswith("UC-1")]
    assert "offered to 2 partners, not claimed yet; the offer ends" in waiting
    (nobody,) = [line for line in answer.messages[0].items if line.startswith("UC-2")]
    assert "nobody could be offered it: no partner of the region sells quantum-widgets" in nobody
    assert answer.messages[0].items.index(waiting) < answer.messages[0].items.index(nobody)  # waiting first
    # Diego's partners are elsewhere: neither lead is his to chase.
    diego = await chats.linked("diego.cam@vendor.example")
    assert "UC-" not in (await diego.command("unclaimed")).text
    ana = await chats.linked("ana@acme.example")
    assert "UC-1" not in (await ana.command("unclaimed")).text  # partners do not get the CAM's list

    clock.advance(days=3)  # the shark tank ran out: the lead went round robin to one of them
    await app.sweep(clock())
    later = await carla.command("unclaimed")
    (assigned,) = [line for line in later.messages[0].items if line.startswith("UC-1")]
    assert "not accepted yet; they have until" in assigned


async def test_assign_takes_a_name_or_part_of_it_and_asks_when_several_fit(app: App, chats: ChatFactory) -> None:
    carla = await chats.linked("carla.cam@vendor.example")
    await import_leads(app, [lead_row("AN-1"), lead_row("AN-2"), lead_row("AN-3")])
    assert "assigned directly" in (await carla.send("/assign AN-1 globex")).text
    assert (await lead(app, "AN-1")).partner_id == await partner_id(app, "P-GLOBEX")
    assert "assigned directly" in (await carla.send("/assign AN-2 acme clod resellers")).text  # a typo
    assert (await lead(app, "AN-2")).partner_id == await partner_id(app, "P-ACME")

    picker = await carla.send("/assign AN-3 es")  # in "Acme Cloud Resellers" and "Globex Managed Services"
    assert "Which partner should get AN-3?" in picker.text
    values = [b.value for b in picker.buttons if b.action == "lead.assign"]
    assert sorted(values) == ["AN-3:P-ACME", "AN-3:P-GLOBEX"]
    assert (await lead(app, "AN-3")).partner_id is None  # nothing assigned until one is picked
    chosen = await carla.press("lead.assign", "AN-3:P-ACME")
    assert "assigned directly" in chosen.text
    assert "No partner of yours matches" in (await carla.send("/assign AN-3 zzyzx")).text
    diego = await chats.linked("diego.cam@vendor.example")
    assert "No partner of yours matches" in (await diego.send("/assign AN-3 acme")).text  # not his by name


async def test_why_says_how_each_offer_went_in_words(app: App, chats: ChatFactory) -> None:
    carla = await chats.linked("carla.cam@vendor.example")
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("WY-1")])
    await ana.press("lead.claim", "WY-1")
    why = (await carla.send("/why WY-1")).text
    assert "offered in round 1 (shark tank) and taken by them" in why
    assert "it went to another partner" in why
    assert "shark_tank" not in why and "#1" not in why


async def test_a_hot_offer_to_a_partner_nobody_can_reach_tells_its_cam_whom_to_invite(
    app: App, chats: ChatFactory
) -> None:
    """Ana (Acme) has opened the bot; nobody at Globex has. A hot offer would lapse unseen at Globex, so
    Carla hears whom to invite there, with link codes, by direct message; the code links at once."""
    await chats.linked("ana@acme.example")
    carla = await chats.linked("carla.cam@vendor.example")
    await import_leads(app, [lead_row("HOT-1"), lead_row("WARM-1", priority="warm")])
    invites = await outbox(app, "lead.cam_invite")
    assert len(invites) == 1  # a warm lead can wait for them; the hot one cannot
    assert invites[0].person_id is not None and invites[0].chat_id is None  # to Carla herself, not a channel
    payload = invites[0].payload
    assert payload["lead"] == "HOT-1" and payload["partner"] == "Globex Managed Services"
    assert {who["email"] for who in payload["invite"]} == {"ben@globex.example", "gwen@globex.example"}
    await chats.deliver()
    shown = [m.message.plain_text() for m in chats.transport.to(carla.chat.chat_id)]
    (text,) = [t for t in shown if "nobody at Globex Managed Services can be reached yet" in t]
    ben_code = next(who["code"] for who in payload["invite"] if who["email"] == "ben@globex.example")
    assert f"{ben_code[:5]}-{ben_code[5:]}" in text  # grouped for reading out; typed either way

    await import_leads(app, [lead_row("HOT-2")])  # another hot lead: the same codes, not new ones
    again = [row for row in await outbox(app, "lead.cam_invite") if row.payload["lead"] == "HOT-2"]
    assert {w["code"] for w in again[0].payload["invite"]} == {w["code"] for w in payload["invite"]}

    ben = FakeChat(app, "", "telegram", "5151")
    assert "Welcome, Ben Carter" in (await ben.send(f"/start {ben_code[:5]}-{ben_code[5:]}")).text
    assert "HOT-1" in (await ben.command("leads")).text  # the offer is there for him now
