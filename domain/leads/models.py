"""Tables of the leads capability: leads, offers per partner, the event history and rotation state.

Each due time (offer expiry, acceptance due, follow-up reminder, follow-up due) is its own indexed
column and is cleared as soon as it no longer applies, so every sweep is an indexed range query as of
an instant and costs what is due, not what the table holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_partner_status", "partner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    company: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(50))
    vertical: Mapped[str | None] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(100))
    company_size: Mapped[str | None] = mapped_column(String(50))
    estimated_value: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    campaign: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    assignment: Mapped[str] = mapped_column(String(20))
    min_tier: Mapped[str | None] = mapped_column(String(20))
    direct_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    mode: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=0)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    holder_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    excluded_partner_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    disqualify_reason: Mapped[str | None] = mapped_column(Text)

    offered_at: Mapped[dt.datetime | None]
    held_since: Mapped[dt.datetime | None]
    first_update_at: Mapped[dt.datetime | None]
    stage_changed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    acceptance_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    reminder_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    followup_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LeadOffer(Base):
    """One partner offered a lead in one distribution round, with why it was eligible."""

    __tablename__ = "lead_offers"
    __table_args__ = (UniqueConstraint("lead_id", "round", "partner_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]


class LeadEvent(Base):
    """History for reports: offered, claimed, accepted, declined, updated, released, reclaimed, expired,
    converted (and assigned by a CAM), each with its partner and instant."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LeadRotation(Base):
    """Round-robin state per partner (smooth weighted round robin), kept so rotation survives restarts."""

    __tablename__ = "lead_rotation"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
