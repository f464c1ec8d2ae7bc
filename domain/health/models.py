"""Tables of the program-health capability.

A credential's next reminder or expiry is an indexed due column (`due_at`), so the compliance sweep reads
only what is due. Snapshots keep one health score per partner and day: the week-on-week drop is read from
them, and a second run on the same day finds today's snapshot and does nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow


class Credential(Base):
    """A certification (of a person) or an agreement (of the partner) that expires."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("partner_id", "category", "kind", "holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    holder: Mapped[str] = mapped_column(String(254), default="")  # the person's e-mail; "" for the partner
    category: Mapped[str] = mapped_column(String(20))  # certification | agreement
    kind: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[dt.date] = mapped_column(Date)
    reminded: Mapped[list[str]] = mapped_column(default=list)  # "30", "7", "expired"
    due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TierReview(Base):
    """What partner admins and the CAM were told in the current review period (once each)."""

    __tablename__ = "tier_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), unique=True)
    period: Mapped[dt.date] = mapped_column(Date)  # the review date the period ends on
    advancement_told: Mapped[str | None] = mapped_column(String(20))
    risk_told: Mapped[bool] = mapped_column(Boolean, default=False)


class HealthSnapshot(Base):
    __tablename__ = "health_snapshots"
    __table_args__ = (UniqueConstraint("partner_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    score: Mapped[int] = mapped_column(Integer)
    components: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Announcement(Base):
    """One announcement sent: the same file and segment twice is refused unless asked for again."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(300))
    segment: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActionTaken(Base):
    """A button pressed and carried out: the action a push offered, when it led to one."""

    __tablename__ = "actions_taken"
    __table_args__ = (Index("ix_actions_taken_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(60))
    platform: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime]
