"""`partnerbot import deals FILE`: outcomes from the CRM (`deal_id, status won|lost, closed_on, amount`).

A won deal accrues its commission; re-importing the same outcome changes nothing. Every row is checked
first (an unknown deal, a deal that was never approved, a bad date or amount is reported by its row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import importing as imp
from domain.deals.decisions import close
from domain.deals.lookup import deal_id_of
from domain.deals.models import ACTIVE, Deal
from domain.deals.policy import DealPolicy


def money(raw: str) -> Decimal:
    """A plain decimal as finance systems write it (`72000.50`); positive, at most 18 digits."""
    text = raw.strip().replace(" ", "")
    if not text:
        raise ValueError("an amount is required")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw[:40]!r} is not an amount; write it like 72000.50") from None
    if not value.is_finite() or sum(c.isdigit() for c in text) > 18:
        raise ValueError(f"{raw[:40]!r} is not an amount; write it like 72000.50")
    if value < 0:
        raise ValueError(f"{raw[:40]!r} is negative")
    return value


def deal_ref(raw: str) -> int:
    deal_id = deal_id_of(raw)
    if deal_id is None:
        raise ValueError(f"{raw[:40]!r} is not a deal id like D-000042")
    return deal_id


DEAL_COLUMNS = (
    imp.Column("deal_id", deal_ref, required=True),
    imp.Column("status", imp.one_of("won", "lost"), required=True),
    imp.Column("closed_on", imp.date, required=True),
    imp.Column("amount", money),
)


async def validate_deals(session: AsyncSession, validated: imp.Validated) -> None:
    ids = {row["deal_id"] for _, row in validated.rows}
    known = dict((await session.execute(select(Deal.id, Deal.status).where(Deal.id.in_(ids)))).all()) if ids else {}
    seen: set[int] = set()
    for number, row in validated.rows:
        status = known.get(row["deal_id"])
        if status is None:
            validated.errors.append(imp.RowError(number, "deal_id", "no such deal"))
        elif status not in (*ACTIVE, "expired", row["status"]):
            validated.errors.append(
                imp.RowError(number, "status", f"the deal is {status}; it cannot be {row['status']}")
            )
        if row["deal_id"] in seen:
            validated.errors.append(imp.RowError(number, "deal_id", "the same deal twice in this file"))
        seen.add(row["deal_id"])


async def import_deals(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
    policy: DealPolicy | None = None,
) -> imp.ImportResult:
    now = now or dt.datetime.now(dt.UTC)
    policy = policy or DealPolicy()
    result, rows = imp.to_write(validated)
    for _number, row in rows:
        deal = await session.get(Deal, row["deal_id"])
        assert deal is not None
        done = await close(
            session, deal, row["status"], closed_on=row["closed_on"], amount=row.get("amount"), now=now, policy=policy
        )
        if done is not None:  # the same outcome again changes nothing
            result.updated += 1
        if progress:
            progress(1)
    return result
