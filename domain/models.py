"""SQLAlchemy models of the program's core: who is who, how they are reached, and what is owed to them.

Every timestamp is stored in UTC (naive-free: `DateTime(timezone=True)`); conversion to a person's
timezone happens at the edge. Capability modules (leads, kb, …) add their own tables to the same
`Base` so that one Alembic history covers them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads it as a plain dict)
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(50), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    verticals: Mapped[list[str]] = mapped_column(default=list)
    products: Mapped[list[str]] = mapped_column(default=list)
    cam_email: Mapped[str | None] = mapped_column(String(254))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    # Where CAM alerts about this partner go, as an address "platform:chat id" (domain.addresses).
    cam_channel: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(10))
    joined_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # the onboarding sweep enrols by it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    people: Mapped[list[Person]] = relationship(back_populates="partner")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(10))
    quiet_hours: Mapped[str | None] = mapped_column(String(20))
    urgent_in_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_platform: Mapped[str | None] = mapped_column(String(20))
    invited_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    linked_at: Mapped[dt.datetime | None]
    link_reminded_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner | None] = relationship(back_populates="people")
    identities: Mapped[list[Identity]] = relationship(back_populates="person", cascade="all, delete-orphan")

    @property
    def linked_identities(self) -> list[Identity]:
        """The accounts that have written to the bot, newest first: the chats a push can reach."""
        linked = [i for i in self.identities if i.linked_at is not None and i.chat_id]
        return sorted(linked, key=lambda i: i.linked_at or utcnow(), reverse=True)


class Identity(Base):
    """One account of a person on one messenger: `(person, platform, external id)`.

    The platform is an opaque name the messenger adapters give; a fourth messenger is one more
    kind of row, not a column. A row the operator imported (the people file's user-id columns) has
    no chat and no `linked_at` until that account first writes to the bot; then it holds the
    private chat the bot reaches the person in. One account belongs to one person: the database
    refuses a second row for the same `(platform, external_id)`.
    """

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(100))
    linked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="identities")


class LinkAttempt(Base):
    """A link code that did not work, from one chat: a chat that keeps guessing is stopped for a while."""

    __tablename__ = "link_attempts"
    __table_args__ = (Index("ix_link_attempts_chat_at", "platform", "chat_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]
    # The live code (link_codes.id) this wrong one came within two characters of: guesses closing in
    # on one code, from any number of chats, count against that code. Attempts outlive their codes.
    near_code_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)


class LinkCode(Base):
    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_link_codes_open_expiry", "expired_at", "used_at", "expires_at"),)


class ProcessedUpdate(Base):
    """An incoming platform update recorded before it is handled, so a redelivery is recognised."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ConversationState(Base):
    """A half-filled form, keyed by (platform, chat, person) so a restart loses nothing."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(50))
    step: Mapped[int] = mapped_column(Integer, default=0)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    # Set by every step on the caller's clock (never on write): how long a form was left alone.
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A push owed to a person or a channel, written in the transaction of the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    ref_key: Mapped[str | None] = mapped_column(String(200), index=True)
    edit_only: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    respect_business_days: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None]
    # Set with status 'sending' and committed before the platform call: a row found in 'sending' was
    # interrupted mid-delivery, and the sender resolves it without a second visible message.
    sending_at: Mapped[dt.datetime | None]
    # An answer to the recipient's own action (the winner's card): quiet hours do not apply.
    answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What happened out of the ordinary (an urgent row went ahead of this deferred one, a repeat).
    note: Mapped[str | None] = mapped_column(Text)
    # The platform it reached (a person's push picks it at send time): the notifications report's split.
    delivered_on: Mapped[str | None] = mapped_column(String(20))


class MessageRef(Base):
    """Where a message the bot showed lives on a platform, so a state change edits it in place."""

    __tablename__ = "message_refs"
    __table_args__ = (UniqueConstraint("ref_key", "platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref_key: Mapped[str] = mapped_column(String(200), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
