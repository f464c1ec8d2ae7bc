"""The two tables processes coordinate through: one row per pacing key, one row per lease."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, UTCDateTime


class PaceSlot(Base):
    """The next free instant (seconds since the epoch) for calls under one key; every process's
    reservation moves it forward, so together they keep one schedule."""

    __tablename__ = "pace_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_free: Mapped[float] = mapped_column(Float, default=0.0)


class Lease(Base):
    """A job only one process may run at a time; its holder renews it before `expires_at`."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
