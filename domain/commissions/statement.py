"""`commission [PERIOD]`: what a partner has earned, from the statement lines, in sums per currency.

This period accrued, approved awaiting payout, paid year to date, the next payout date, and the lines
behind each status on request. A partner rep sees the lines of the deals they registered; a partner
admin those of their partner and its child partners.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commissions.models import STATUSES, CommissionLine
from domain.deals.models import Deal, reference
from domain.errors import InvalidInput, NotAllowed
from domain.i18n import N_
from domain.leads.queries import family
from domain.people import PARTNER_ROLES, PersonView

Sums = dict[str, Decimal]
LINES = 20


@dataclass(frozen=True)
class Statement:
    period: str
    accrued: Sums
    approved: Sums
    paid_ytd: Sums
    held: Sums
    next_payout: dt.date | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    line_id: str
    period: str
    deal: str | None
    company: str | None
    amount: Decimal
    currency: str
    status: str
    payout_date: dt.date | None
    disputed: str | None


def parse_period(text: str, today: dt.date) -> str:
    """`2026-11`, `11/2026`, `11.2026`, or nothing for this month."""
    raw = (text or "").strip()
    if not raw:
        return today.strftime("%Y-%m")
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", raw) or None
    if found:
        year, month = int(found[1]), int(found[2])
    else:
        other = re.fullmatch(r"(\d{1,2})[./](\d{4})", raw)
        if not other:
            raise InvalidInput(
                N_("%(value)s is not a period; write YYYY-MM, like %(example)s."),
                value=raw[:20],
                example=today.strftime("%Y-%m"),
            )
        month, year = int(other[1]), int(other[2])
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(
            N_("%(value)s is not a period; write YYYY-MM, like %(example)s."),
            value=raw[:20],
            example=today.strftime("%Y-%m"),
        )
    return f"{year:04d}-{month:02d}"


async def _scope(session: AsyncSession, person: PersonView) -> Select[CommissionLine, Deal]:
    if person.role not in PARTNER_ROLES or person.partner_id is None:
        raise NotAllowed(N_("Commissions are shown to partner users."))
    query = select(CommissionLine, Deal).outerjoin(Deal, Deal.id == CommissionLine.deal_id)
    if person.role == "partner_admin":
        return query.where(CommissionLine.partner_id.in_(await family(session, person.partner_id)))
    return query.where(Deal.registered_by_id == person.id)


def _add(sums: Sums, line: CommissionLine) -> None:
    sums[line.currency] = sums.get(line.currency, Decimal(0)) + line.amount


async def statement(session: AsyncSession, person: PersonView, period: str, today: dt.date) -> Statement:
    query = await _scope(session, person)
    year = period[:4]
    accrued: Sums = {}
    approved: Sums = {}
    paid: Sums = {}
    held: Sums = {}
    counts: dict[str, int] = defaultdict(int)
    upcoming: list[dt.date] = []
    for line, _deal in (await session.execute(query)).all():
        counts[line.status] += 1
        if line.period == period and line.status == "accrued":
            _add(accrued, line)
        if line.status == "approved":
            _add(approved, line)
        if line.status == "held":
            _add(held, line)
        if (
            line.status == "paid"
            and (line.payout_date.isoformat()[:4] if line.payout_date else line.period[:4]) == year
        ):
            _add(paid, line)
        if line.status in ("approved", "accrued") and line.payout_date and line.payout_date >= today:
            upcoming.append(line.payout_date)
    return Statement(period, accrued, approved, paid, held, min(upcoming, default=None), dict(counts))


async def lines(session: AsyncSession, person: PersonView, status: str) -> list[Line]:
    if status not in STATUSES:
        raise InvalidInput(N_("Unknown status %(value)s."), value=status[:20])
    query = (await _scope(session, person)).where(CommissionLine.status == status)
    rows = await session.execute(query.order_by(CommissionLine.period.desc(), CommissionLine.id.desc()).limit(LINES))
    return [
        Line(
            line.line_id,
            line.period,
            reference(deal.id) if deal else None,
            deal.company if deal else None,
            line.amount,
            line.currency,
            line.status,
            line.payout_date,
            line.dispute_ticket,
        )
        for line, deal in rows.all()
    ]


async def visible_line(session: AsyncSession, person: PersonView, line_id: str) -> CommissionLine:
    query = (await _scope(session, person)).where(CommissionLine.line_id == (line_id or "").strip()[:100])
    found = (await session.execute(query)).first()
    if found is None:
        from domain.errors import NotFound

        raise NotFound(N_("There is no commission line %(ref)s that you can see."), ref=(line_id or "")[:40])
    line: CommissionLine = found[0]
    return line
