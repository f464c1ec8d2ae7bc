"""Registering a deal: DOMAIN.md's validation, conflicts caught while typing and never shown to the
partner, the same submission twice as one registration, and who may decide it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.deals.models import Deal
from tests.chat import ChatFactory
from tests.deals.conftest import ANA, BEN, CARLA, DIEGO, VALUES, register


async def _deals(chats: ChatFactory) -> list[Deal]:
    async with chats.app.uow.reader() as uow:
        return list((await uow.session.scalars(select(Deal).order_by(Deal.id))).all())


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("amount", "€1.000,50", "without a currency sign"),
        ("amount", "-5", "more than zero"),
        ("amount", "0", "more than zero"),
        ("amount", "1e309", "is not an amount"),
        ("amount", "NaN", "is not an amount"),
        ("amount", "1" * 40, "is not an amount"),
        ("amount", "2000000000000", "more than a deal can be"),
        ("close_date", "2026-02-31", "is not a date"),
        ("close_date", "31/02", "is not a date"),
        ("close_date", "2026-11-01", "after today"),
        ("close_date", "2028-06-30", "within 12 months"),
        ("company", "X" * 5000, "at most"),
        ("domain", "localhost", "is not a domain"),
        ("domain", "not a domain at all", "is not a domain"),
        ("contact_email", "lee@", "not an email"),
        ("currency", "EURO", "not a currency code"),
        ("currency", "XYZ", "not a currency code"),
    ],
)
async def test_bad_values_are_refused_beside_their_field_and_nothing_is_saved(
    chats: ChatFactory, field: str, value: str, reason: str
) -> None:
    ana = await chats.linked(ANA)
    answer = await ana.submit("deal.register", {**VALUES, field: value})
    from handlers.model import FormErrors

    errors = [i for i in answer.items if isinstance(i, FormErrors)]
    assert errors and field in errors[0].errors and reason in errors[0].errors[field], answer.items
    assert await _deals(chats) == []


@pytest.mark.parametrize(
    ("typed", "language", "stored"),
    [
        ("72.000,50", "de", "72000.50"),
        ("72,000.50", "en", "72000.50"),
        ("72k", "en", "72000"),
        ("1.5M", "en", "1500000"),
        ("1,5k", "de", "1500"),
    ],
)
async def test_amounts_are_read_as_the_person_writes_them(
    chats: ChatFactory, typed: str, language: str, stored: str
) -> None:
    ana = await chats.linked(ANA)
    await ana.send(f"/lang {language}")
    await register(ana, amount=typed)
    (deal,) = await _deals(chats)
    assert str(deal.amount) == stored


async def test_a_url_is_reduced_to_its_registrable_domain_and_a_local_date_is_understood(chats: ChatFactory) -> None:
    ana = await chats.linked(ANA)
    await ana.send("/lang de")
    await register(ana, domain="http://www.Harbor-Logistics.co.uk/path?x=1", close_date="31.03.2027")
    (deal,) = await _deals(chats)
    assert deal.domain == "harbor-logistics.co.uk" and deal.close_date.isoformat() == "2027-03-31"


async def test_the_same_submission_twice_is_one_registration(chats: ChatFactory) -> None:
    ana = await chats.linked(ANA)
    first = await register(ana)
    again = await register(ana)
    assert first == again and len(await _deals(chats)) == 1


async def test_a_conflict_is_flagged_while_typing_and_the_partner_never_sees_the_other(chats: ChatFactory) -> None:
    ana, ben = await chats.linked(ANA), await chats.linked(BEN)
    await chats.linked(CARLA)
    await register(ana)
    await chats.deliver()
    await ben.send("/deal")
    warned = await ben.send("Harbour Logistics Limited")  # a typo and another legal suffix
    assert "may already be registered" in warned.text
    assert "Acme" not in warned.text and "D-000001" not in warned.text and "Ana" not in warned.text
    warned = await ben.send("https://shop.harborlogistics.co.uk")
    assert "may already be registered" in warned.text
    for answer in ("Lee Park", "lee@harborlogistics.co.uk", "50000", "EUR", "2027-04-30", "backup", "-"):
        done = await ben.send(answer)
    done = await ben.send("-")
    assert "may cover this customer" in done.text and "Acme" not in done.text
    deals = await _deals(chats)
    assert [d.status for d in deals] == ["submitted", "conflict"] and deals[1].conflict_with_id == deals[0].id

    await chats.deliver()
    carla = chats.transport.to(CARLA)
    alert = carla[-1].current.plain_text()
    assert "Possible conflict with D-000001" in alert and "Acme Cloud Resellers" in alert and "Globex" in alert


@pytest.mark.parametrize(
    ("mine", "theirs", "conflict"),
    [
        ("Blue Harbor Robotics GmbH", "blue harbor robotics, inc.", True),
        ("Blue Harbor Robotics", "Robotics Blue Harbor", True),
        ("Blue Harbor Robotics", "Blue Harbour Robotics", True),
        ("Blue Harbor Robotics", "Red Canyon Mining", False),
        ("Banco do Brasil S.A.", "Banco do Brasil", True),
    ],
)
async def test_company_names_match_without_suffixes_punctuation_or_word_order(
    chats: ChatFactory, mine: str, theirs: str, conflict: bool
) -> None:
    ana, ben = await chats.linked(ANA), await chats.linked(BEN)
    await register(ana, company=mine, domain="one.example.com")
    await register(ben, company=theirs, domain="other.example.org")
    assert (await _deals(chats))[1].status == ("conflict" if conflict else "submitted")


async def test_deciding_is_for_the_partners_cam_only(chats: ChatFactory) -> None:
    ana, ben = await chats.linked(ANA), await chats.linked(BEN)
    ref = await register(ana)
    crafted = await ana.press("deal.approve", ref)  # a partner forging the CAM's button
    assert "not available" in crafted.text.lower() or "only" in crafted.text.lower()
    assert "Deal" not in (await ben.command("deals")).text or ref not in (await ben.command("deals")).text
    diego = await chats.linked(DIEGO)  # another partner's CAM
    refused = await diego.press("deal.approve", ref)
    assert "Somente o CAM do parceiro" in refused.text  # Diego reads Portuguese
    assert [d.status for d in await _deals(chats)] == ["submitted"]
    carla = await chats.linked(CARLA)
    assert "approved" in (await carla.press("deal.approve", ref)).text
    late = await carla.press("deal.approve", ref)
    assert "already approved by Carla" in late.text


async def test_a_question_goes_to_the_partner_and_the_answer_back_to_the_cam(chats: ChatFactory) -> None:
    ana, carla = await chats.linked(ANA), await chats.linked(CARLA)
    ref = await register(ana)
    await carla.press("deal.info", ref)
    await carla.send("Which budget year is this?")
    await chats.deliver()
    question = chats.transport.to(ANA)[-1].current.plain_text()
    assert "Which budget year is this?" in question and f"/deal {ref}" in question
    answered = await ana.send(f"/deal {ref} FY2027, approved by their CFO")
    assert "back with them" in answered.text
    await chats.deliver()
    shown = "\n".join(d.current.plain_text() for d in chats.transport.to(CARLA))
    assert "FY2027, approved by their CFO" in shown
    assert [d.status for d in await _deals(chats)] == ["submitted"]


async def test_deals_lists_mine_and_an_admin_sees_the_partners(chats: ChatFactory) -> None:
    ana, arno = await chats.linked(ANA), await chats.linked("arno@acme.example")
    ref = await register(ana)
    assert ref in (await ana.command("deals")).text
    assert ref in (await arno.command("deals")).text
    ben = await chats.linked(BEN)
    assert ref not in (await ben.command("deals")).text


async def test_a_cam_reviews_waiting_registrations_from_deals(chats: ChatFactory) -> None:
    ana, ben, carla = await chats.linked(ANA), await chats.linked(BEN), await chats.linked(CARLA)
    ref = await register(ana)
    await register(ben, company="Harbour Logistics", domain="harbour-logistics.com")
    listed = await carla.command("deals")
    assert ref in listed.text and [b.value for b in listed.buttons] == ["D-000002", ref]
    review = await carla.press("deal.review", listed.button("deal.review").value)
    assert "Approve" in [b.label for b in review.buttons]
    second = await carla.press("deal.review", "D-000002")
    assert "Possible conflict with D-000001" in second.text and "Acme Cloud Resellers" in second.text
    diego = await chats.linked(DIEGO)
    assert "Somente o CAM" in (await diego.press("deal.review", ref)).text  # not his partner's deal
