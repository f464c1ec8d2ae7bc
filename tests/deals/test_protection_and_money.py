"""After approval: protection reminders with an extension the CAM decides, expiry after downtime, CRM
outcomes by file, commission accrual in Decimal, finance's payments file, `commission`, disputes, and
`report deals`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from bot.importer import import_file
from domain.commissions.models import CommissionLine
from domain.deals.models import Deal
from domain.tickets.models import Ticket
from tests.chat import ChatFactory, Clock
from tests.deals.conftest import ANA, ARNO, CARLA, register


async def _deal(chats: ChatFactory) -> Deal:
    async with chats.app.uow.reader() as uow:
        return (await uow.session.scalars(select(Deal))).one()


async def _approved(chats: ChatFactory) -> str:
    ana, carla = await chats.linked(ANA), await chats.linked(CARLA)
    ref = await register(ana, amount="48000.50")
    await carla.press("deal.approve", ref)
    await chats.deliver()
    return ref


async def test_reminders_at_14_and_3_days_an_extension_and_expiry_each_once(chats: ChatFactory, clock: Clock) -> None:
    ref = await _approved(chats)
    deal = await _deal(chats)
    assert deal.expires_at == clock() + dt.timedelta(days=90)
    app = chats.app
    at = deal.expires_at - dt.timedelta(days=14)
    clock.now = at
    assert (await app.sweep(at))["deals_protection_reminders"] == 1
    assert (await app.sweep(at))["deals_protection_reminders"] == 0  # the same instant twice sends nothing twice
    await chats.deliver()
    reminder = chats.transport.to(ANA)[-1].current
    assert "ends in 14 days" in reminder.plain_text() and reminder.buttons[0].action == "deal.extend"

    ana, carla = await chats.linked(ANA), await chats.linked(CARLA)
    assert "asked to extend" in (await ana.press("deal.extend", ref)).text
    assert "already asked" in (await ana.press("deal.extend", ref)).text
    await chats.deliver()
    assert any("asks to extend" in d.current.plain_text() for d in chats.transport.to(CARLA))
    assert "extended" in (await carla.press("deal.extend_approve", ref)).text
    await chats.deliver()
    assert "extended until" in chats.transport.to(ANA)[-1].current.plain_text()
    extended = await _deal(chats)
    assert extended.expires_at == deal.expires_at + dt.timedelta(days=90) and extended.extensions == 1

    # A week of downtime past the end: one (latest) reminder is not owed any more; the expiry is said once.
    after = extended.expires_at + dt.timedelta(days=7)
    clock.now = after
    counts = await app.sweep(after)
    assert counts["deals_protection_expired"] == 1 and counts["deals_protection_reminders"] == 0
    assert (await app.sweep(after))["deals_protection_expired"] == 0
    await chats.deliver()
    assert "has ended" in chats.transport.to(ANA)[-1].current.plain_text()
    assert (await _deal(chats)).status == "expired"


async def test_won_by_file_accrues_at_the_tier_rate_and_a_reimport_changes_nothing(
    chats: ChatFactory, tmp_path: Path
) -> None:
    ref = await _approved(chats)
    outcomes = tmp_path / "deals.csv"
    outcomes.write_text(f"deal_id,status,closed_on,amount\n{ref},won,2026-12-01,50000.55\n", encoding="utf-8")
    for _ in range(2):
        result, errors = await import_file(chats.app, "deals", outcomes, skip_invalid=False)
        assert result is not None and not errors
    async with chats.app.uow.reader() as uow:
        lines = (await uow.session.scalars(select(CommissionLine))).all()
    assert [(str(line.amount), line.status, line.period) for line in lines] == [("5000.06", "accrued", "2026-12")]
    await chats.deliver()
    won = [d for d in chats.transport.to(ANA) if "is won" in d.current.plain_text()]
    assert len(won) == 1 and "€5,000.06" in won[0].current.plain_text()


async def test_a_bad_outcomes_file_names_each_row_and_imports_nothing(chats: ChatFactory, tmp_path: Path) -> None:
    ref = await _approved(chats)
    path = tmp_path / "deals.csv"
    path.write_text(
        "deal_id,status,closed_on,amount\n"
        f"{ref},won,2026-02-31,1\n"
        "D-999999,won,2026-12-01,1\n"
        f"{ref},maybe,2026-12-01,1\n"
        f"{ref},lost,2026-12-01,NaN\n",
        encoding="utf-8",
    )
    result, errors = await import_file(chats.app, "deals", path, skip_invalid=False)
    assert result is None
    assert {(e.row, e.column) for e in errors} >= {(2, "closed_on"), (3, "deal_id"), (4, "status"), (5, "amount")}
    assert (await _deal(chats)).status == "approved"


async def test_a_payments_file_with_broken_rows_imports_nothing_and_says_where(
    chats: ChatFactory, tmp_path: Path
) -> None:
    ref = await _approved(chats)
    path = tmp_path / "payments.csv"
    path.write_text(
        "line_id,partner_id,period,deal_id,amount,currency,status,payout_date\n"
        "L-1,P-NOPE,2026-11,,10,EUR,paid,2026-11-30\n"
        f"L-2,P-GLOBEX,2026-11,{ref},10,EUR,paid,2026-11-30\n"
        "L-3,P-ACME,2026-13,,10,EUR,paid,2026-11-30\n"
        "L-1,P-ACME,2026-11,,10,EUR,paid,2026-11-30\n"
        "L-4,P-ACME,2026-11,D-424242,10,EURO,due,2026-11-31\n",
        encoding="utf-8",
    )
    result, errors = await import_file(chats.app, "payments", path, skip_invalid=False)
    assert result is None
    found = {(e.row, e.column) for e in errors}
    assert {(2, "partner_id"), (3, "deal_id"), (4, "period"), (5, "line_id")} <= found
    assert {(6, "currency"), (6, "status"), (6, "payout_date")} <= found
    async with chats.app.uow.reader() as uow:
        assert (await uow.session.scalars(select(CommissionLine))).all() == []


async def test_commission_shows_each_status_the_lines_behind_it_and_a_dispute_opens_a_ticket(
    chats: ChatFactory, tmp_path: Path
) -> None:
    await _approved(chats)
    path = tmp_path / "payments.csv"
    path.write_text(
        "line_id,partner_id,period,deal_id,amount,currency,status,payout_date\n"
        "L-1,P-ACME,2026-11,D-000001,4800.05,EUR,approved,2026-12-15\n"
        "L-2,P-ACME,2026-10,,1200,EUR,paid,2026-10-31\n",
        encoding="utf-8",
    )
    result, errors = await import_file(chats.app, "payments", path, skip_invalid=False)
    assert result is not None and not errors
    ana, arno = await chats.linked(ANA), await chats.linked(ARNO)
    mine = await ana.send("/commission")
    assert (
        "€4,800.05" in mine.text and "Dec 15, 2026" in mine.text and "1,200" not in mine.text
    )  # L-2 is not her deal's
    admin = await arno.send("/commission 2026-11")
    assert "4.800,05\xa0€" in admin.text and "1.200,00\xa0€" in admin.text  # Arno reads German
    assert "not a period" in (await ana.send("/commission 2026-13")).text

    lines = await ana.press("commission.lines", "approved")
    assert "L-1" in lines.text and lines.button("commission.dispute").value == "L-1"
    disputed = await ana.press("commission.dispute", "L-1")
    assert "T-000001" in disputed.text
    assert "already disputed" in (await ana.press("commission.dispute", "L-1")).text
    async with chats.app.uow.reader() as uow:
        ticket = (await uow.session.scalars(select(Ticket))).one()
    assert ticket.category == "commission_payment" and ticket.related == "L-1"
    assert "no commission line" in (await ana.press("commission.dispute", "L-2")).text.lower()


async def test_report_deals_as_table_csv_json_and_chart(chats: ChatFactory, tmp_path: Path) -> None:
    from bot.capabilities import report_kinds

    ref = await _approved(chats)
    carla = await chats.linked(CARLA)
    asked = await carla.press("deal.won", ref)
    assert [b.action for b in asked.buttons] == ["deal.won_confirm", "deal.keep"]
    assert "Nothing changed" in (await carla.press("deal.keep", ref)).text
    kind = report_kinds()["deals"]
    async with chats.app.uow.reader() as uow:
        assert (await kind.rows(uow.session, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))[0].won == 0  # only asked
    await carla.press("deal.won_confirm", ref)
    async with chats.app.uow.reader() as uow:
        rows = await kind.rows(uow.session, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    acme = rows[0]
    assert acme.partner == "Acme Cloud Resellers" and acme.registrations == 1 and acme.won == 1
    assert acme.approved_pct == 100.0 and acme.commission_accrued == 4800.05 and acme.win_pct == 100.0
    assert "Acme Cloud Resellers" in kind.as_table(rows) and kind.as_csv(rows).startswith("partner,")
    assert json.loads(kind.as_json(rows, None))["partners"][0]["won"] == 1
    assert kind.chart is not None
    png = kind.chart(rows, tmp_path / "deals.png", kind.title)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
