"""The commission statement: one line per won deal (accrued here) or per line of finance's payments file.

A line finance sends for a deal that already accrued here takes that line over (it keeps its row and
gets finance's `line_id`), so a deal's commission is never counted twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.deals.models import Money
from domain.models import Base, utcnow

STATUSES = ("accrued", "approved", "paid", "held")


class CommissionLine(Base):
    __tablename__ = "commission_lines"
    __table_args__ = (Index("ix_commission_lines_partner_period", "partner_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[str] = mapped_column(String(100), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), index=True)
    payout_date: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10))  # accrual | statement
    disputed_at: Mapped[dt.datetime | None]
    dispute_ticket: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
