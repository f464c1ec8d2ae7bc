"""Tables of the onboarding capability: what each partner has done, its journey's state, and the CAM
alerts waiting to be folded into one message per CAM.

A journey's next daily check is an indexed column (`check_at`), so the sweep reads only the partners
due today, however many are on file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow


class MilestoneRecord(Base):
    """A milestone's progress for a partner, from the LMS/CRM file or the partner's own word in chat."""

    __tablename__ = "milestone_records"
    __table_args__ = (UniqueConstraint("partner_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    milestone: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # attempted | completed
    percent: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10))  # import | chat
    person_email: Mapped[str | None] = mapped_column(String(254))
    detail: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Journey(Base):
    """One partner's onboarding: started at `joined_on`, checked once a day at `check_at` (partner-local
    morning) until the 90-day review is out; `nudged`, `snoozed` and `alerted` keep each nudge and alert
    once."""

    __tablename__ = "onboarding_journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), unique=True)
    joined_on: Mapped[dt.date] = mapped_column(Date)
    check_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    nudged: Mapped[dict[str, Any]] = mapped_column(default=dict)  # milestone → ISO date of its nudge
    snoozed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # milestone → ISO date to nudge again
    alerted: Mapped[list[str]] = mapped_column(default=list)  # "milestone:day:kind" fired
    last_nudge_on: Mapped[dt.date | None] = mapped_column(Date)
    review_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PendingAlert(Base):
    """A CAM alert found by a sweep, until the sweep's last step folds it into one message per CAM."""

    __tablename__ = "onboarding_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    milestone: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    days_late: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(40))  # no_linked_person | program_timezone
    found_at: Mapped[dt.datetime]
    sent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
