"""`partnerbot import payments FILE`: finance's statement lines (CONTRACT.md §6).

Every row is checked first and reported by its number: an unknown partner or deal, a deal of another
partner, the same line twice, a period that is not YYYY-MM, a status outside accrued|approved|paid|held.
A line for a deal that accrued here takes that accrued line over; a line that becomes `paid` pushes a
payment notice, once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import importing as imp
from domain.commissions import notifications  # noqa: F401  (registers who hears of each line event)
from domain.commissions.events import CommissionPaid
from domain.commissions.models import STATUSES, CommissionLine
from domain.deals.importing import deal_ref, money
from domain.deals.models import Deal
from domain.deals.validation import check_currency
from domain.directory import partner_ids
from domain.errors import InvalidInput
from domain.events import publish

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def period(raw: str) -> str:
    found = _PERIOD.match(raw.strip())
    if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2100:
        raise ValueError(f"{raw[:20]!r} is not a period; write YYYY-MM, like 2026-11")
    return found[0]


def currency(raw: str) -> str:
    try:
        return check_currency(raw)
    except InvalidInput:
        raise ValueError(f"{raw[:20]!r} is not an ISO 4217 currency code") from None


PAYMENT_COLUMNS = (
    imp.Column("line_id", imp.id_text, required=True),
    imp.Column("partner_id", imp.id_text, required=True),
    imp.Column("period", period, required=True),
    imp.Column("deal_id", deal_ref),
    imp.Column("amount", money, required=True),
    imp.Column("currency", currency, required=True),
    imp.Column("status", imp.one_of(*STATUSES), required=True),
    imp.Column("payout_date", imp.date),
)


async def validate_payments(session: AsyncSession, validated: imp.Validated) -> None:
    partners = await partner_ids(session)
    deal_ids = {row["deal_id"] for _, row in validated.rows if row.get("deal_id")}
    deals = (
        dict((await session.execute(select(Deal.id, Deal.partner_id).where(Deal.id.in_(deal_ids)))).all())
        if deal_ids
        else {}
    )
    seen: set[str] = set()
    for number, row in validated.rows:
        partner_id = partners.get(row["partner_id"])
        if partner_id is None:
            validated.errors.append(imp.RowError(number, "partner_id", f"no partner {row['partner_id'][:40]}"))
        if row.get("deal_id"):
            owner = deals.get(row["deal_id"])
            if owner is None:
                validated.errors.append(imp.RowError(number, "deal_id", "no such deal"))
            elif partner_id is not None and owner != partner_id:
                validated.errors.append(imp.RowError(number, "deal_id", "the deal belongs to another partner"))
        if row["line_id"] in seen:
            validated.errors.append(imp.RowError(number, "line_id", "the same line_id twice in this file"))
        seen.add(row["line_id"])


async def import_payments(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> imp.ImportResult:
    now = now or dt.datetime.now(dt.UTC)
    result, rows = imp.to_write(validated)
    partners = await partner_ids(session)
    for _number, row in rows:
        line = await session.scalar(select(CommissionLine).where(CommissionLine.line_id == row["line_id"]))
        if line is None and row.get("deal_id"):
            line = await session.scalar(
                select(CommissionLine).where(
                    CommissionLine.deal_id == row["deal_id"], CommissionLine.source == "accrual"
                )
            )
        was_paid = line is not None and line.status == "paid"
        if line is None:
            line = CommissionLine(source="statement")
            session.add(line)
            result.created += 1
        else:
            result.updated += 1
        line.line_id = row["line_id"]
        line.source = "statement"
        line.partner_id = partners[row["partner_id"]]
        line.deal_id = row.get("deal_id") or line.deal_id
        line.period = row["period"]
        line.amount = row["amount"]
        line.currency = row["currency"]
        line.status = row["status"]
        line.payout_date = row.get("payout_date")
        line.updated_at = now
        await session.flush()
        if line.status == "paid" and not was_paid:
            await publish(session, CommissionPaid(line.id), now)
        if progress:
            progress(1)
    return result
