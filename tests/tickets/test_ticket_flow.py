"""One ticket from submission to confirmation, as a partner, an agent and a manager live it.

The partner (console, phone-sized answers) opens a ticket step by step; the support channel's root
message appears and is edited in place; the agent asks for information (the clock stops), the partner
answers (it runs again), the resolution time passes (`sweep --at`: escalation to the manager and the
escalation channel, the partner told), the agent resolves, the partner confirms.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import App
from domain.tickets.models import Ticket
from tests.chat import ChatFactory, Clock, FakeChat, RecordingTransport
from tests.conftest import make_app

ANA, SAM, MARIA = "ana@acme.example", "sam.support@vendor.example", "maria.manager@vendor.example"


class Desk:
    """The program with a support channel and an escalation channel, and everyone's chats."""

    def __init__(self, app: App, chats: ChatFactory) -> None:
        self.app, self.chats = app, chats
        self.slack = RecordingTransport("slack")

    async def deliver(self) -> None:
        await self.app.sender({"console": self.chats.transport, "slack": self.slack}).drain()

    def to(self, email: str) -> list[str]:
        return [d.current.plain_text() for d in self.chats.transport.to(email)]

    def channel(self, chat_id: str) -> list[str]:
        return [d.current.plain_text() for d in self.slack.to(chat_id)]

    async def ticket(self) -> Ticket:
        async with self.app.uow.reader() as uow:
            return (await uow.session.scalars(select(Ticket))).one()


@pytest.fixture
async def desk(database_url: str, clock: Clock) -> Desk:
    app = make_app(database_url, clock, slack_support_channel="C0SUPPORT", slack_escalation_channel="C0ESC")
    chats = ChatFactory(app, clock)
    await chats.seed_program()
    yield Desk(app, chats)
    await app.close()


async def _open(ana: FakeChat, severity: str = "high", subject: str = "Cannot register a deal") -> str:
    first = await ana.send("/ticket")
    assert "Category" in first.text
    await ana.send("Deal registration and pipeline")
    await ana.send(severity)
    await ana.send(subject)
    await ana.send("The deal form says my domain is invalid for acme-customer.example.")
    done = await ana.send("-")
    return done.text


async def test_a_ticket_from_submission_to_confirmation(desk: Desk, clock: Clock) -> None:
    ana = await desk.chats.linked(ANA)
    sam = await desk.chats.linked(SAM)
    await desk.chats.linked(MARIA)

    # Wednesday 10:00 UTC (11:00 in Berlin): Ana, gold tier, opens a high-severity ticket.
    opened = await _open(ana)
    assert "Ticket T-000001 is open" in opened
    # 4 business hours ×0.75 for gold = 3 h: due 14:00 Berlin; resolution 1 business day: Thu 11:00.
    assert "First response due Wed, Nov 25 2:00" in opened and "(high severity, gold tier ×0.75)" in opened
    assert "Resolution due Thu, Nov 26 11:00" in opened
    await desk.deliver()
    [root] = desk.channel("C0SUPPORT")
    assert "T-000001" in root and "Acme Cloud Resellers" in root and "nobody yet" in root

    # The agent takes it from the queue; the root message is edited, not reposted.
    queue = await sam.send("/queue")
    assert "T-000001" in queue.text
    assert "is yours" in (await sam.press("ticket.take", "T-000001")).text
    await desk.deliver()
    assert len(desk.slack.to("C0SUPPORT")) == 1 and "Sam Okafor" in desk.channel("C0SUPPORT")[0]

    # Needs info: the question reaches Ana, the clock stops.
    form = await sam.press("ticket.needs_info", "T-000001")
    assert "Question" in form.text
    asked = await sam.send("Which deal id did you try to register?")
    assert "SLA waits" in asked.text
    await desk.deliver()
    assert any("Which deal id" in m and "/ticket T-000001" in m for m in desk.to(ANA))
    assert (await desk.ticket()).status == "waiting_on_partner"

    # Three hours later Ana answers: the clock runs again, her words reach the support channel.
    clock.advance(hours=3)
    added = await ana.send("/ticket T-000001 It is D-2044.")
    assert "Added to T-000001" in added.text
    ticket = await desk.ticket()
    assert ticket.status == "in_progress" and ticket.paused_minutes == 180
    await desk.deliver()
    assert any("It is D-2044." in m for m in desk.channel("C0SUPPORT"))

    # Nobody resolves it: past the resolution time the sweep escalates, once.
    clock.now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    counts = await desk.app.sweep(clock())
    assert counts["tickets_breaches"] == 1
    assert (await desk.app.sweep(clock()))["tickets_breaches"] == 0
    await desk.deliver()
    escalation = desk.channel("C0ESC")
    assert escalation and "Escalated: T-000001" in escalation[0] and "It is D-2044." in escalation[0]
    assert any("Escalated: T-000001" in m for m in desk.to(MARIA))
    assert any("was escalated" in m and "Sam Okafor now owns it" in m for m in desk.to(ANA))

    # The agent replies and resolves; Ana confirms; it closes with the resolution kept.
    await sam.send("/ticket T-000001 The domain check is fixed; please try again.")
    await sam.send("/ticket T-000001 note: was a stale public-suffix list")
    assert "resolved" in (await sam.press("ticket.resolve", "T-000001")).text
    await desk.deliver()
    partner_view = "\n".join(desk.to(ANA))
    assert "domain check is fixed" in partner_view and "stale public-suffix" not in partner_view
    resolved = desk.chats.transport.to(ANA)[-1].message
    assert [b.action for b in resolved.buttons] == ["ticket.confirm", "ticket.reopen"]
    assert "closed" in (await ana.press("ticket.confirm", "T-000001")).text
    ticket = await desk.ticket()
    assert ticket.status == "closed" and "domain check is fixed" in (ticket.resolution or "")


async def test_an_unconfirmed_resolution_reopens_after_three_business_days(desk: Desk, clock: Clock) -> None:
    ana = await desk.chats.linked(ANA)
    sam = await desk.chats.linked(SAM)
    await _open(ana, severity="low", subject="Where is the logo pack")
    await sam.press("ticket.take", "T-000001")
    await sam.send("/ticket T-000001 It is in the partner portal under Assets.")
    await sam.press("ticket.resolve", "T-000001")
    clock.advance(days=2)  # Friday: not yet three business days
    assert (await desk.app.sweep(clock()))["tickets_unconfirmed_reopened"] == 0
    clock.advance(days=3)  # Monday 10:00 UTC: Wed + 3 business days (Thu, Fri, Mon) has passed
    assert (await desk.app.sweep(clock()))["tickets_unconfirmed_reopened"] == 1
    await desk.deliver()
    assert (await desk.ticket()).status == "in_progress"
    assert any("is open again" in m and "did not confirm" in m for m in desk.to(SAM))


async def test_the_same_submission_twice_is_one_ticket_and_others_cannot_touch_it(desk: Desk) -> None:
    ana = await desk.chats.linked(ANA)
    ben = await desk.chats.linked("ben@globex.example")
    values = {"category": "technical_product", "severity": "medium", "subject": "API 500s", "description": "Since 9:00"}
    first = await ana.submit("ticket.open", values)
    again = await ana.submit("ticket.open", values)
    assert "T-000001" in first.text and "T-000001" in again.text
    # Ben of another partner: a crafted confirm or an add reads as unknown, saying nothing of Acme.
    for answer in (await ben.press("ticket.confirm", "T-000001"), await ben.send("/ticket T-000001 hello")):
        assert "no ticket T-000001 that you can see" in answer.text and "Acme" not in answer.text


async def test_a_ticket_asked_for_in_a_group_continues_privately(desk: Desk) -> None:
    await desk.chats.linked(ANA)
    group = desk.chats.group(ANA)
    answer = await group.send("/ticket")
    assert "continue in a private chat" in answer.text and answer.form is None


async def test_the_support_report_counts_what_happened(desk: Desk, clock: Clock, tmp_path: object) -> None:
    from domain.tickets.reports import as_table, support_report

    ana = await desk.chats.linked(ANA)
    sam = await desk.chats.linked(SAM)
    await _open(ana)  # high, deal registration: resolution due Thu 11:00 Berlin
    await sam.press("ticket.take", "T-000001")  # at once: first response kept
    clock.now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # past the resolution due time
    await desk.app.sweep(clock())  # escalated for the breach
    await sam.press("ticket.resolve", "T-000001")
    async with desk.app.uow.reader() as uow:
        lines = await support_report(uow.session)
    everything, by_category, by_severity = lines
    assert (everything.tickets, everything.first_response_kept_pct, everything.resolution_kept_pct) == (1, 100.0, 0.0)
    assert everything.escalated_pct == 100.0 and everything.mean_hours_to_resolution == 47.0
    assert (by_category.name, by_category.team) == ("deal_registration", "Channel operations")
    assert by_severity.name == "high"
    table = as_table(lines)
    assert "deal_registration" in table and "Channel operations" in table and "100.0" in table


async def test_a_resolution_becomes_a_kb_article_once_published(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.kb import KnowledgeBase, drafts

    ana = await desk.chats.linked(ANA)
    sam = await desk.chats.linked(SAM)
    await _open(ana, subject="Partner portal shows a blank dashboard")
    early = await sam.press("ticket.save_article", "T-000001")
    assert "no resolution yet" in early.text
    await sam.press("ticket.take", "T-000001")
    await sam.send("/ticket T-000001 Clear the browser cache, then sign in again with the partner SSO button.")
    await sam.press("ticket.resolve", "T-000001")
    saved = await sam.press("ticket.save_article", "T-000001")
    assert "ticket-t-000001" in saved.text and "partnerbot kb publish" in saved.text
    assert "exists already" in (await sam.press("ticket.save_article", "T-000001")).text
    assert "not available for your role" in (await ana.press("ticket.save_article", "T-000001")).text

    monkeypatch.setattr("domain.kb.INDEX_RECHECK_SECONDS", 0)  # notice the publication at once
    kb = desk.app.deps.services[KnowledgeBase]
    question = "blank dashboard in the partner portal"
    assert [d.article_id for d in await drafts.drafts(desk.app.uow)] == ["ticket-t-000001"]
    before = await kb.search(question, language="en", top=3, record=False)
    assert "ticket-t-000001" not in [h.id for h in before.hits]
    assert await drafts.publish(desk.app.uow, "ticket-t-000001", desk.app.deps.now()) == 1
    after = await kb.search(question, language="en", top=3, record=False)
    assert "ticket-t-000001" in [h.id for h in after.hits]


async def test_the_subject_brings_up_articles_and_stopping_there_counts_as_deflected(desk: Desk) -> None:
    from domain.kb import KnowledgeBase
    from domain.tickets.reports import support_report
    from handlers.kb import ARTICLES

    await desk.app.deps.services[KnowledgeBase].import_dir(ARTICLES, now=desk.app.deps.now())
    ana = await desk.chats.linked(ANA)
    await ana.send("/ticket")
    await ana.send("Deal registration and pipeline")
    await ana.send("medium")
    answer = await ana.send("how do I register a deal")
    assert "Does one of these answer it?" in answer.text and "kb.article" in [b.action for b in answer.buttons]
    assert "Description" in answer.text  # and the form goes on with the next question
    assert "Cancelled" in (await ana.send("/cancel")).text
    async with desk.app.uow.reader() as uow:
        everything = (await support_report(uow.session))[0]
    assert everything.tickets == 0 and everything.kb_deflection_pct == 100.0


async def test_the_root_messages_due_line_counts_down_with_the_sweep(desk: Desk, clock: Clock) -> None:
    ana = await desk.chats.linked(ANA)
    await _open(ana)  # first response due 13:00 UTC (3 business hours for gold)
    await desk.deliver()
    assert "first response due" in desk.channel("C0SUPPORT")[0] and "(in 3 hours)" in desk.channel("C0SUPPORT")[0]
    clock.advance(hours=2, minutes=5)
    assert (await desk.app.sweep(clock()))["tickets_due_lines_refreshed"] == 1
    assert (await desk.app.sweep(clock()))["tickets_due_lines_refreshed"] == 0  # same 10-minute slot
    await desk.deliver()
    [root] = desk.slack.to("C0SUPPORT")
    assert "(in 55 minutes)" in root.current.plain_text() and len(root.edits) == 1
    clock.advance(hours=1)
    await desk.app.sweep(clock())
    await desk.deliver()
    assert "(overdue by 5 minutes)" in desk.slack.to("C0SUPPORT")[0].current.plain_text()


async def test_a_reply_to_a_partner_unlinked_meanwhile_waits_and_is_never_lost(desk: Desk, clock: Clock) -> None:
    from sqlalchemy import delete

    from domain.models import Identity, OutboxMessage, Person

    ana = await desk.chats.linked(ANA)
    sam = await desk.chats.linked(SAM)
    await ana.send("/ticket")
    for answer in ("Technical and product", "low", "Export fails", "CSV export returns 500", "-"):
        await ana.send(answer)
    async with desk.app.uow() as uow:  # Ana's chat is unlinked by an admin before the agent answers
        ana_id = await uow.session.scalar(select(Person.id).where(Person.email == ANA))
        await uow.session.execute(delete(Identity).where(Identity.person_id == ana_id))
        await uow.commit()
    await sam.send("/ticket T-000001 Fixed in 4.2; please retry the export.")
    await desk.deliver()

    async def reply() -> OutboxMessage:
        async with desk.app.uow.reader() as uow:
            return (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket.reply"))).one()

    waiting = await reply()
    assert waiting.status == "pending" and "no chat for this recipient" in (waiting.last_error or "")
    clock.advance(days=8)  # never linked again: parked as failed, where `partnerbot outbox --failed` shows it
    await desk.deliver()
    failed = await reply()
    assert failed.status == "failed" and "no linked chat" in (failed.last_error or "")
