"""Tables of the deals capability: registrations and the name tokens that find conflicts fast.

Amounts are `Decimal` stored as text (`Money`): exact on SQLite and PostgreSQL alike, where a float would
round a commission. Every due time of a registration (the next protection reminder, its expiry) is an
indexed column cleared once it no longer applies, so each sweep costs what is due, not what is on file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Dialect, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow


class Money(TypeDecorator[Decimal]):
    """A `Decimal` kept as its exact text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


OPEN = ("submitted", "conflict", "info_requested")
"""Waiting for the CAM."""
ACTIVE = (*OPEN, "approved")
"""A registration another partner's would conflict with."""


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        # The same submission twice (a double tap, a redelivered modal) is one registration.
        UniqueConstraint("registered_by_id", "submission_key"),
        Index("ix_deals_partner_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    submission_key: Mapped[str] = mapped_column(String(64))

    company: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(253), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    close_date: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(String(20))

    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    conflict_with_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    # Bumped by every change shown on the CAM's alert: the edit's idempotency key.
    version: Mapped[int] = mapped_column(Integer, default=1)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    partner_answer: Mapped[str | None] = mapped_column(Text)

    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    reminder_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    extension_requested_at: Mapped[dt.datetime | None]
    extensions: Mapped[int] = mapped_column(Integer, default=0)

    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    won_amount: Mapped[Decimal | None] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def ref(self) -> str:
        return reference(self.id)


def reference(deal_id: int) -> str:
    """What people quote: `D-000042`."""
    return f"D-{deal_id:06d}"


class DealNameToken(Base):
    """Each distinctive word of a registration's normalised company name, and the word with each one letter
    left out (`validation.name_tokens`): the candidates a new name is compared with are the registrations
    sharing the most of these, an indexed look-up of a few exact keys, so the check costs about the same
    with 100 or 100,000 registrations on file."""

    __tablename__ = "deal_name_tokens"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(24), primary_key=True, index=True)
