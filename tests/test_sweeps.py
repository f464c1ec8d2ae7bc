"""Sweeps as of an instant: link codes expire, invited people are reminded once, downtime catches up."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from domain import linking
from domain.models import LinkCode, OutboxMessage
from tests.chat import ChatFactory


async def invite(chats: ChatFactory, email: str) -> str:
    async with chats.app.uow() as uow:
        issued = await linking.issue_code(uow.session, email, chats.clock())
        await uow.commit()
    return issued.code


async def outbox_rows(chats: ChatFactory) -> list[OutboxMessage]:
    async with chats.app.uow() as uow:
        return list((await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_unused_codes_expire_and_are_counted_once(chats: ChatFactory) -> None:
    await invite(chats, "ana@acme.example")
    code = await invite(chats, "ben@globex.example")
    assert (await chats.app.sweep(chats.clock()))["link_codes_expired"] == 0
    await chats.linked("ben@globex.example")
    chat = chats.stranger("tg-ben", platform="telegram")
    await chat.send(f"/start {code}")
    later = chats.clock.advance(days=8)
    assert (await chats.app.sweep(later))["link_codes_expired"] == 1
    assert (await chats.app.sweep(later))["link_codes_expired"] == 0
    async with chats.app.uow() as uow:
        statuses = {
            (c.used_at is not None, c.expired_at is not None) for c in (await uow.session.scalars(select(LinkCode)))
        }
    assert statuses == {(True, False), (False, True)}


async def test_invited_person_reminded_once_after_three_days_through_their_cam(chats: ChatFactory) -> None:
    await chats.linked("carla.cam@vendor.example")
    await invite(chats, "ana@acme.example")
    assert (await chats.app.sweep(chats.clock.advance(days=2)))["link_reminders"] == 0
    at = chats.clock.advance(days=1, hours=1)
    assert (await chats.app.sweep(at))["link_reminders"] == 1
    assert (await chats.app.sweep(at))["link_reminders"] == 0
    assert (await chats.app.sweep(chats.clock.advance(days=1)))["link_reminders"] == 0
    rows = await outbox_rows(chats)
    assert [r.kind for r in rows] == ["link.reminder_cam"]
    chats.clock.now = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # a Monday, inside business hours
    await chats.deliver()
    texts = [m.message.plain_text() for m in chats.transport.to("carla.cam@vendor.example")]
    assert len(texts) == 1 and "Ana Schmidt" in texts[0] and "has not linked" in texts[0]


async def test_linked_people_are_not_reminded(chats: ChatFactory) -> None:
    code = await invite(chats, "ana@acme.example")
    await chats.stranger("tg-ana", platform="telegram").send(f"/start {code}")
    assert (await chats.app.sweep(chats.clock.advance(days=4)))["link_reminders"] == 0


async def test_a_sweep_after_downtime_catches_up_everything_due(chats: ChatFactory) -> None:
    for email in ("ana@acme.example", "ben@globex.example", "ivan@initech.example"):
        await invite(chats, email)
    counts = await chats.app.sweep(chats.clock.advance(days=30))
    assert counts["link_reminders"] == 3 and counts["link_codes_expired"] == 3
    async with chats.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


async def test_old_update_ids_and_stale_forms_are_dropped(chats: ChatFactory) -> None:
    from domain.models import ConversationState, ProcessedUpdate

    chat = await chats.linked("ana@acme.example")
    await chat.send("/settings edit")
    async with chats.app.uow() as uow:
        uow.session.add(ProcessedUpdate(platform="telegram", update_id="1", received_at=chats.clock()))
        await uow.commit()
    counts = await chats.app.sweep(chats.clock.advance(days=1, seconds=1))
    assert counts["forms_expired"] == 1 and counts["processed_updates_forgotten"] == 0
    assert (await chats.app.sweep(chats.clock.advance(days=7)))["processed_updates_forgotten"] == 1
    async with chats.app.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ConversationState)) == 0
    assert "What you can do" in (await chat.send("/help")).text
