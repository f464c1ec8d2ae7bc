"""The knowledge base's tables: articles, their sentence vectors, searches, feedback, ticket offers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, utcnow

MAX_QUERY = 500


class KbArticle(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (UniqueConstraint("article_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(20), default="partner")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(20), default="file")
    status: Mapped[str] = mapped_column(String(20), default="published")
    path: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KbSentenceVector(Base):
    """A sentence's vector from the sentence model, so a restart or another worker need not encode
    the knowledge base again (~10 ms a sentence).  Keyed by model and SHA-256 of the text."""

    __tablename__ = "kb_sentence_vectors"

    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float16, little-endian


class KbSearch(Base):
    __tablename__ = "kb_searches"
    __table_args__ = (Index("ix_kb_searches_person_time", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    query: Mapped[str] = mapped_column(String(MAX_QUERY))
    language: Mapped[str] = mapped_column(String(10))
    results: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    platform: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class KbFeedback(Base):
    __tablename__ = "kb_feedback"
    __table_args__ = (UniqueConstraint("search_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("kb_searches.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    article_id: Mapped[str | None] = mapped_column(String(200))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class KbTicketRequest(Base):
    """A partner asked for a ticket after a search; kept until the ticket capability takes them over."""

    __tablename__ = "kb_ticket_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int | None] = mapped_column(ForeignKey("kb_searches.id", ondelete="SET NULL"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(MAX_QUERY))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
