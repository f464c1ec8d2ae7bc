"""Issue 11, item 7: a cell a spreadsheet would run as a formula is written as text in every CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from bot.app import App
from domain.leads import reports
from domain.models import Partner
from domain.spreadsheet import csv_text
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import import_leads, lead_row

EVIL = [
    '=HYPERLINK("https://evil.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTAB",
    "\rCR",
]


@pytest.mark.parametrize("name", EVIL)
async def test_item7_a_partner_name_in_the_leads_report_is_text_not_a_formula(
    app: App, chats: ChatFactory, clock: Clock, name: str
) -> None:
    async with app.uow() as uow:
        await uow.session.execute(update(Partner).where(Partner.external_id == "P-ACME").values(name=name))
        await uow.commit()
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("F-1")])
    await ana.press("lead.claim", "F-1")
    async with app.uow() as uow:
        rows = await reports.lead_report(uow.session)
    parsed = list(csv.reader(io.StringIO(reports.as_csv(rows))))
    (acme,) = [row for row in parsed if row[0] == "P-ACME"]
    assert acme[1] == "'" + name, "the spreadsheet shows the name as text"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in parsed for cell in row)


def test_item7_numbers_stay_numbers_and_plain_text_is_untouched() -> None:
    text = csv_text(["a", "b", "c", "d"], [[-3, 2.5, "Acme - Cloud", None]])
    assert text.splitlines()[1] == "-3,2.5,Acme - Cloud,"
    assert csv_text(["=x"], []).splitlines()[0] == "'=x"
