"""`kb import DIR` as two steps: a plan of what the folder adds, changes and removes, then applying it.

The plan is read in a read transaction, so it can be shown (and a removal confirmed) without holding
the write lock. Applying computes the plan again inside the write transaction and refuses when it is
no longer the plan that was shown: what is written is exactly what the operator agreed to, or nothing.

Only articles that came from files are compared with the folder (`source == "file"`); drafts made
from tickets are never changed or removed by an import. Removing deletes the article's rows; its
sentence vectors are forgotten when the next search index is encoded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kb.models import KbArticle
from knowledge_base.articles import Article

FILE_SOURCE = "file"
COMPARED = ("title", "body", "tags", "aliases", "audience", "extra")
"""The fields whose difference makes an article "changed" (a moved file with the same text is not)."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    removed: int
    unchanged: int


@dataclass(frozen=True)
class PlannedArticle:
    """One article the import adds, changes or removes; `fields` names what changed."""

    article_id: str
    language: str
    title: str
    fields: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.article_id, self.language)


@dataclass(frozen=True)
class ImportPlan:
    articles: tuple[Article, ...] = field(repr=False)
    added: tuple[PlannedArticle, ...]
    changed: tuple[PlannedArticle, ...]
    removed: tuple[PlannedArticle, ...]
    unchanged: int

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def same_as(self, other: ImportPlan, *, removing: bool) -> bool:
        """Whether `other` (computed later) would write what this plan showed."""

        def keys(plan: ImportPlan) -> tuple[set[tuple[str, str]], ...]:
            gone = {a.key for a in plan.removed} if removing else set()
            return {a.key for a in plan.added}, {a.key for a in plan.changed}, gone

        return keys(self) == keys(other)


class ImportPlanChanged(Exception):
    """The knowledge base changed between showing the plan and applying it (another import ran)."""


def _fields(art: Article) -> dict[str, Any]:
    return {
        "title": art.title,
        "body": art.body,
        "tags": list(art.tags),
        "aliases": list(art.aliases),
        "audience": art.audience,
        "extra": dict(art.extra),
        "path": art.path,
    }


async def _file_rows(session: AsyncSession) -> dict[tuple[str, str], KbArticle]:
    rows = (await session.scalars(select(KbArticle).where(KbArticle.source == FILE_SOURCE))).all()
    return {(r.article_id, r.language): r for r in rows}


def _plan(articles: Sequence[Article], rows: dict[tuple[str, str], KbArticle]) -> ImportPlan:
    added: list[PlannedArticle] = []
    changed: list[PlannedArticle] = []
    unchanged = 0
    for art in articles:
        row = rows.get(art.key)
        if row is None:
            added.append(PlannedArticle(art.id, art.language, art.title))
            continue
        wanted = _fields(art)
        differ = tuple(name for name in COMPARED if getattr(row, name) != wanted[name])
        if differ:
            changed.append(PlannedArticle(art.id, art.language, art.title, differ))
        else:
            unchanged += 1
    in_folder = {art.key for art in articles}
    removed = [PlannedArticle(r.article_id, r.language, r.title) for key, r in rows.items() if key not in in_folder]
    return ImportPlan(
        articles=tuple(articles),
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(sorted(removed, key=lambda a: a.key)),
        unchanged=unchanged,
    )


async def plan_import(session: AsyncSession, articles: Sequence[Article]) -> ImportPlan:
    """What importing `articles` (a whole folder, already validated) would add, change and remove."""
    return _plan(articles, await _file_rows(session))


async def apply_import(
    session: AsyncSession,
    articles: Sequence[Article],
    *,
    now: dt.datetime,
    remove_missing: bool = True,
    expected: ImportPlan | None = None,
) -> ImportSummary:
    """Upsert every article and, with `remove_missing`, delete the file articles the folder no longer has.

    With `expected` (the plan the operator saw) nothing is written unless the plan is still the same:
    raises ImportPlanChanged.
    """
    rows = await _file_rows(session)
    plan = _plan(articles, rows)
    if expected is not None and not expected.same_as(plan, removing=remove_missing):
        raise ImportPlanChanged(
            "the articles changed since the plan was made (another import?); nothing changed, run it again"
        )
    writes = {a.key for a in plan.added} | {a.key for a in plan.changed}
    for art in articles:
        if art.key not in writes:
            continue
        row = rows.get(art.key)
        if row is None:
            row = KbArticle(article_id=art.id, language=art.language, source=FILE_SOURCE, status="published")
            session.add(row)
        for key, value in _fields(art).items():
            setattr(row, key, value)
        row.updated_at = now
    removed = plan.removed if remove_missing else ()
    for gone in removed:
        await session.delete(rows[gone.key])
    return ImportSummary(len(plan.added), len(plan.changed), len(removed), plan.unchanged)
