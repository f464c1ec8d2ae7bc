"""Knowledge-base drafts made from resolved tickets: the support team's answer, kept for the next
partner who asks. A draft is not searchable until an admin publishes it (`partnerbot kb publish ID`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import read_only, transactional
from domain.errors import Conflict, NotFound
from domain.i18n import N_
from domain.kb.models import KbArticle

DRAFT, PUBLISHED = "draft", "published"


@dataclass(frozen=True)
class Draft:
    article_id: str
    title: str
    language: str
    updated_at: dt.datetime


async def save_draft(
    session: AsyncSession, *, article_id: str, title: str, body: str, tags: list[str], language: str, now: dt.datetime
) -> bool:
    """Keep `body` as a draft article; False when that article exists already (saved twice is once)."""
    existing = (
        await session.scalars(
            select(KbArticle).where(KbArticle.article_id == article_id, KbArticle.language == language)
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        KbArticle(
            article_id=article_id,
            language=language,
            title=title[:300],
            body=body,
            tags=tags,
            aliases=[],
            audience="partner",
            extra={},
            source="ticket",
            status=DRAFT,
            updated_at=now,
        )
    )
    return True


@read_only
async def drafts(session: AsyncSession) -> list[Draft]:
    rows = await session.scalars(select(KbArticle).where(KbArticle.status == DRAFT).order_by(KbArticle.updated_at))
    return [Draft(r.article_id, r.title, r.language, r.updated_at) for r in rows]


@transactional
async def publish(session: AsyncSession, article_id: str, now: dt.datetime) -> int:
    """Make a draft searchable (every language of it); returns how many articles were published."""
    rows = list((await session.scalars(select(KbArticle).where(KbArticle.article_id == article_id))).all())
    if not rows:
        raise NotFound(N_("There is no article %(id)s."), id=article_id[:200])
    if all(r.status == PUBLISHED for r in rows):
        raise Conflict(N_("Article %(id)s is published already."), id=article_id[:200])
    for row in rows:
        row.status, row.updated_at = PUBLISHED, now
    return len(rows)
