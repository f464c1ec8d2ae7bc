"""`leads`: reps see their own, admins their partner's and child partners', nobody another partner's."""

from __future__ import annotations

from bot.app import App
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import import_leads, lead_row


async def test_reps_admins_and_child_partners(app: App, chats: ChatFactory, clock: Clock) -> None:
    clock.advance(hours=3)
    ana = await chats.linked("ana@acme.example")
    arno = await chats.linked("arno@acme.example")
    ben = await chats.linked("ben@globex.example")
    gwen = await chats.linked("gwen@globex.example")
    ursula = await chats.linked("ursula@umbrella.example")
    hugo = await chats.linked("hugo@hooli.example")
    await import_leads(
        app,
        [
            lead_row("V-1"),
            lead_row(
                "V-2", region="latam", product="backup", vertical="retail", assignment="direct", partner_id="P-HOOLI"
            ),
        ],
    )
    assert "Open offer V-1" in (await ana.send("/leads")).text
    await ana.press("lead.claim", "V-1")
    await hugo.press("lead.accept", "V-2")

    mine = (await ana.send("/leads")).text
    assert "V-1" in mine and "Company V-1" in mine and "claimed" in mine and "left to follow up" in mine
    assert "V-1" in (await arno.send("/leads")).text, "the admin sees the partner's leads"
    assert "V-1" not in (await ben.send("/leads")).text and "V-1" not in (await gwen.send("/leads")).text
    assert "V-2" in (await ursula.send("/leads")).text, "a distributor admin sees its resellers' leads"
    assert "V-2" in (await hugo.send("/leads")).text
    assert "V-2" not in (await arno.send("/leads")).text
    assert "not available to you" in (await ben.send("/leads V-1")).text
    assert "pat@v-1.example" in (await arno.send("/leads V-1")).text
    assert "pat@v-2.example" in (await ursula.send("/leads V-2")).text
    assert "no open leads" in (await ben.send("/leads")).text


async def test_a_colleague_rep_does_not_see_anothers_lead(app: App, chats: ChatFactory) -> None:
    from tests.leads.helpers import add_partners

    await add_partners(app, 1, prefix="Z")
    from sqlalchemy import select

    from domain.models import Partner, Person
    from domain.people import attach_identity

    async with app.uow() as uow:
        zid = await uow.session.scalar(select(Partner.id).where(Partner.external_id == "P-Z0"))
        person = Person(email="second@z.example", name="Second", role="partner_rep", partner_id=zid)
        uow.session.add(person)
        await uow.session.flush()
        await uow.session.refresh(person, ["identities"])
        await attach_identity(
            uow.session,
            person,
            platform="console",
            user_id="second@z.example",
            chat_id="second@z.example",
            username=None,
            now=app.deps.now(),
        )
        await uow.commit()
    first = await chats.linked("rep0@z.example")
    second = await chats.linked("second@z.example")
    await import_leads(app, [lead_row("V-3")])
    assert "You got it" in (await first.press("lead.claim", "V-3")).text
    assert "V-3" not in (await second.send("/leads")).text
    assert "team already has" in (await second.press("lead.claim", "V-3")).text
