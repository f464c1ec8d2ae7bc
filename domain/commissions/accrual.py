"""A won deal accrues commission at its partner's tier rate, in `Decimal`, once."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commissions.models import CommissionLine


def accrued_line_id(deal_ref: str) -> str:
    return f"ACC-{deal_ref}"


async def accrue(
    session: AsyncSession,
    *,
    deal_id: int,
    deal_ref: str,
    partner_id: int,
    amount: Decimal,
    currency: str,
    rate: Decimal,
    closed_on: dt.date,
    now: dt.datetime,
) -> CommissionLine:
    """The deal's commission line, created at the tier rate the first time (a re-import changes nothing)."""
    line = await session.scalar(select(CommissionLine).where(CommissionLine.deal_id == deal_id).limit(1))
    if line is not None:
        return line
    line = CommissionLine(
        line_id=accrued_line_id(deal_ref),
        partner_id=partner_id,
        deal_id=deal_id,
        period=closed_on.strftime("%Y-%m"),
        amount=(amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        currency=currency,
        status="accrued",
        source="accrual",
        updated_at=now,
    )
    session.add(line)
    await session.flush()
    return line
