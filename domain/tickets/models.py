"""Tables of the tickets capability: tickets and what was said on them.

Every due time (first response, resolution, each 75 % reminder, the confirmation wait) is its own
indexed column, cleared once it no longer applies, so each SLA sweep is an indexed range query as of
an instant and costs what is due, not what the table holds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_partner_status", "partner_id", "status"),
        # The same submission twice (a double tap, a redelivered modal) is one ticket.
        UniqueConstraint("opened_by_id", "submission_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    submission_key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    related: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(24), default="submitted", index=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every change shown on the root message: the edit's idempotency key.
    version: Mapped[int] = mapped_column(Integer, default=1)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)
    # Whether each SLA was kept, decided when it was met (the due columns are cleared then): the report.
    first_response_kept: Mapped[bool | None] = mapped_column(Boolean)
    resolution_kept: Mapped[bool | None] = mapped_column(Boolean)

    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[dt.datetime | None]
    paused_at: Mapped[dt.datetime | None]
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]

    first_response_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    resolution_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    first_response_reminder_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    resolution_reminder_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    breach_check_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    confirm_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def ref(self) -> str:
        return reference(self.id)


def reference(ticket_id: int) -> str:
    """What people quote: `T-000042`."""
    return f"T-{ticket_id:06d}"


class TicketEntry(Base):
    """One thing said or done on a ticket: the partner's words, an agent's reply, an internal note, a
    status change. The whole history goes with an escalation."""

    __tablename__ = "ticket_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # partner, agent, note, status
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
