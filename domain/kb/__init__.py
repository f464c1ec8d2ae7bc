"""The knowledge base as the program keeps it: articles in the database, searches and feedback.

Files are the source (`partnerbot kb import DIR`); the database is what every worker reads, and each
worker keeps a `SearchIndex` built from it, rebuilt when the articles change. Every search and every
piece of feedback is recorded for deflection analytics (DOMAIN.md, "Knowledge base").
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from domain.db import UowFactory
from domain.errors import InvalidInput, NotFound
from domain.i18n import N_
from domain.kb import sync
from domain.kb.models import MAX_QUERY, KbArticle, KbFeedback, KbSearch, KbSentenceVector, KbTicketRequest
from domain.kb.sync import ImportPlan, ImportSummary
from domain.models import utcnow
from domain.people import STAFF_ROLES
from knowledge_base.articles import Article, load_articles
from knowledge_base.encoder import MODEL_ID, shipped_encoder
from knowledge_base.ranking import DEFAULT_RANKING
from knowledge_base.search import Hit, SearchIndex

PARTNER_AUDIENCE = frozenset({"partner"})
STAFF_AUDIENCE = frozenset({"partner", "internal"})
log = logging.getLogger(__name__)
INDEX_RECHECK_SECONDS = 30.0
MODEL_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class SearchOutcome:
    search_id: int | None
    query: str
    hits: list[Hit]


def audiences_for(role: str | None, *, private_chat: bool) -> frozenset[str]:
    """Which articles a reader may see, from who asks and where (DOMAIN.md, "Knowledge base").

    Internal articles are for vendor staff, and only in a staff member's private chat: whatever is
    answered in a group or channel is read by everyone there, partners included. Everyone else, and
    anyone unknown, reads partner articles only.
    """
    return STAFF_AUDIENCE if private_chat and role in STAFF_ROLES else PARTNER_AUDIENCE


def _article_of(row: KbArticle) -> Article:
    return Article(
        id=row.article_id,
        title=row.title,
        body=row.body,
        tags=tuple(row.tags or ()),
        language=row.language,
        audience=row.audience,
        aliases=tuple(row.aliases or ()),
        extra=dict(row.extra or {}),
        path=row.path,
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_query(query: str) -> str:
    """Drop control characters and excess length: what a person typed, never what broke us."""
    printable = "".join(ch if ch.isprintable() else " " for ch in query)
    return " ".join(printable.split())[:MAX_QUERY]


def search_in_language_and_english(
    index: SearchIndex, query: str, *, language: str, top: int, audiences: frozenset[str]
) -> list[Hit]:
    """Search in the person's language (with its English fallback) and in English, best version wins.

    People whose language is not English often type in English; searching only their language would
    hide the English article of every id that also has a translation.
    """
    hits = index.search(query, language=language, top=top, audiences=audiences)
    if language != "en":
        best = {hit.id: hit for hit in hits}
        for hit in index.search(query, language="en", top=top, audiences=audiences):
            if hit.id not in best or hit.score > best[hit.id].score:
                best[hit.id] = hit
        ranked = sorted(best.values(), key=lambda h: -h.score)
        hits = [h for h in ranked if h.score >= ranked[0].score * DEFAULT_RANKING.related_share][:top] if ranked else []
    return hits


class KnowledgeBase:
    """Articles in the database, and the search index over them kept current in this process.

    With ``sentence_model`` (the default; ``PARTNERBOT_KB_SENTENCE_MODEL``) every new index has
    its article sentences encoded by the sentence model in a worker thread: a few seconds for a
    normal knowledge base, during which searches use the static word vectors.
    """

    def __init__(self, uow: UowFactory, *, sentence_model: bool = True) -> None:
        self.uow = uow
        self._index: SearchIndex | None = None
        self._version: tuple[int, Any] | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()
        self._sentence_model = sentence_model
        self._encoding: asyncio.Task[None] | None = None
        self._encoding_since = 0.0

    async def plan_import(self, directory: Path) -> ImportPlan:
        """Validate every file (ArticleErrors names each bad file); then what importing it would do."""
        articles = load_articles(directory)
        async with self.uow.reader() as uow:
            return await sync.plan_import(uow.session, articles)

    async def apply_import(self, plan: ImportPlan, *, now: dt.datetime, remove_missing: bool = True) -> ImportSummary:
        """Write exactly `plan` (ImportPlanChanged when the articles changed since), in one transaction."""
        async with self.uow() as uow:
            summary = await sync.apply_import(
                uow.session, plan.articles, now=now, remove_missing=remove_missing, expected=plan
            )
            await uow.commit()
        self._version = None
        return summary

    async def import_dir(self, directory: Path, *, now: dt.datetime, remove_missing: bool = True) -> ImportSummary:
        """Validate every file first (ArticleErrors names each bad file); then upsert and prune."""
        articles = load_articles(directory)
        async with self.uow() as uow:
            summary = await sync.apply_import(uow.session, articles, now=now, remove_missing=remove_missing)
            await uow.commit()
        self._version = None
        return summary

    async def _current_version(self) -> tuple[int, Any]:
        async with self.uow.reader() as uow:
            count, latest = (
                await uow.session.execute(
                    select(func.count(), func.max(KbArticle.updated_at)).where(KbArticle.status == "published")
                )
            ).one()
        return int(count), latest

    async def index(self) -> SearchIndex:
        """The search index, rebuilt when another process changed the articles (checked every 30 s)."""
        async with self._lock:
            if self._index is not None and time.monotonic() - self._checked < INDEX_RECHECK_SECONDS and self._version:
                return self._index
            version = await self._current_version()
            self._checked = time.monotonic()
            if self._index is None or version != self._version:
                async with self.uow.reader() as uow:
                    rows = (await uow.session.scalars(select(KbArticle).where(KbArticle.status == "published"))).all()
                    articles = [_article_of(r) for r in rows]
                self._index = await asyncio.to_thread(SearchIndex.build, articles)
                self._version = version
                if self._sentence_model:
                    self._encoding = asyncio.create_task(self._encode(self._index))
                    self._encoding_since = time.monotonic()
            return self._index

    async def warm(self) -> None:
        """Build the index (and start encoding) before the first question arrives."""
        try:
            await self.index()
        except Exception:  # a search later retries and reports; start-up must not fail on it
            log.exception("kb: could not build the search index at start-up")

    async def ready(self) -> SearchIndex:
        """The index once its sentences are encoded: for one-shot tools that want the best answer."""
        index = await self.index()
        if self._encoding is not None:
            await asyncio.shield(self._encoding)
        return index

    async def _encode(self, index: SearchIndex) -> None:
        """Give ``index`` the sentence model: stored vectors first, the model for the rest."""
        started = time.monotonic()
        texts = index.sentences_to_encode()
        if texts is None:
            log.info("kb: %d articles are too many for the sentence model; word vectors only", len(index))
            return
        try:
            encoder = await asyncio.to_thread(shipped_encoder)
            digests = {t: _digest(t) for t in texts}
            stored = await self._stored_vectors()
            vectors = {t: stored[d] for t, d in digests.items() if d in stored}
            missing = [t for t in texts if t not in vectors]
            fresh: dict[str, npt.NDArray[np.float16]] = {}
            if missing:
                computed = await asyncio.to_thread(encoder.encode, missing)
                fresh = {digests[t]: v.astype("<f2") for t, v in zip(missing, computed, strict=True)}
            stale = stored.keys() - set(digests.values())
            if fresh or stale:
                await self._store_vectors(fresh, stale)
            # As stored (float16), so every worker ranks with exactly the same numbers.
            vectors.update({t: fresh[digests[t]].astype(np.float32) for t in missing})
            await asyncio.to_thread(index.use_sentence_model, encoder, vectors)
        except Exception:  # the word vectors still answer; a broken model file must not stop that
            log.exception("kb: sentence model unavailable, searching with word vectors only")
            return
        log.info(
            "kb: %d sentences understood by the sentence model (%d encoded now) in %.1f s",
            len(texts),
            len(missing),
            time.monotonic() - started,
        )

    async def _stored_vectors(self) -> dict[str, npt.NDArray[np.float32]]:
        """digest -> vector, of every sentence stored for this model."""
        async with self.uow.reader() as uow:
            rows = (
                await uow.session.execute(
                    select(KbSentenceVector.digest, KbSentenceVector.vector).where(KbSentenceVector.model == MODEL_ID)
                )
            ).all()
        return {d: np.frombuffer(v, "<f2").astype(np.float32) for d, v in rows}

    async def _store_vectors(self, fresh: dict[str, npt.NDArray[np.float16]], stale: set[str]) -> None:
        """Store new vectors (by digest) and forget those of sentences no longer in any article."""
        stale_digests = list(stale)
        try:
            async with self.uow() as uow:
                for start in range(0, len(stale_digests), 500):
                    await uow.session.execute(
                        delete(KbSentenceVector).where(
                            KbSentenceVector.model == MODEL_ID,
                            KbSentenceVector.digest.in_(stale_digests[start : start + 500]),
                        )
                    )
                uow.session.add_all(
                    KbSentenceVector(model=MODEL_ID, digest=d, vector=v.tobytes()) for d, v in fresh.items()
                )
                await uow.commit()
        except IntegrityError:  # another worker stored the same sentences first: theirs are equal
            log.debug("kb: sentence vectors stored concurrently by another worker")

    async def search(
        self,
        query: str,
        *,
        language: str,
        top: int = 3,
        role: str | None = None,
        private_chat: bool = False,
        person_id: int | None = None,
        platform: str | None = None,
        record: bool = True,
        now: dt.datetime | None = None,
    ) -> SearchOutcome:
        """Search as `role` asking in a private chat or not (`audiences_for`); nobody in particular
        (the `kb search` command) reads partner articles only."""
        audiences = audiences_for(role, private_chat=private_chat)
        cleaned = clean_query(query)
        if not cleaned:
            raise InvalidInput(N_("Type a question after /kb, for example: /kb how do I register a deal"))
        index = await self.index()
        patience = MODEL_WAIT_SECONDS - (time.monotonic() - self._encoding_since)
        if self._encoding is not None and not self._encoding.done() and patience > 0:
            # Stored vectors attach in about a second: worth waiting for right after start-up.
            # A first encoding takes longer; the word vectors answer once these seconds are spent
            # (in all, not per question).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._encoding), patience)
        # A worker thread: with the sentence model a search is ~15 ms of numpy, which must not
        # hold up the event loop (numpy releases the GIL while it multiplies).
        hits = await asyncio.to_thread(
            search_in_language_and_english, index, cleaned, language=language, top=top, audiences=audiences
        )
        search_id = None
        if record:
            async with self.uow() as uow:
                row = KbSearch(
                    person_id=person_id,
                    query=cleaned,
                    language=language,
                    results=[h.id for h in hits],
                    answered=bool(hits),
                    platform=platform,
                    created_at=now or utcnow(),
                )
                uow.session.add(row)
                await uow.commit()
                search_id = row.id
        return SearchOutcome(search_id, cleaned, hits)

    async def article(
        self, article_id: str, language: str, *, role: str | None = None, private_chat: bool = False
    ) -> Article:
        """The article in the person's language, else English, else any language it exists in.

        Only an article the reader may see (`audiences_for`); any other is answered exactly like an id
        that does not exist, so a crafted button cannot tell which internal articles there are.
        """
        audiences = audiences_for(role, private_chat=private_chat)
        async with self.uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(KbArticle).where(
                        KbArticle.article_id == article_id,
                        KbArticle.status == "published",
                        KbArticle.audience.in_(sorted(audiences)),
                    )
                )
            ).all()
        if not rows:
            raise NotFound(N_("That article is no longer in the knowledge base."))
        by_lang = {r.language: r for r in rows}
        base = language.split("_")[0]
        row = by_lang.get(language) or by_lang.get(base) or by_lang.get("en") or rows[0]
        return _article_of(row)

    async def search_by_id(self, search_id: int, person_id: int) -> KbSearch:
        async with self.uow() as uow:
            row = await uow.session.get(KbSearch, search_id)
        if row is None or row.person_id != person_id:
            raise NotFound(N_("That answer is no longer available. Ask your question again."))
        return row

    async def feedback(self, search_id: int, person_id: int, helpful: bool, now: dt.datetime) -> None:
        """Record (or change) this person's verdict on one answer; pressing twice keeps one record."""
        search = await self.search_by_id(search_id, person_id)
        async with self.uow() as uow:
            await uow.session.execute(
                delete(KbFeedback).where(KbFeedback.search_id == search_id, KbFeedback.person_id == person_id)
            )
            uow.session.add(
                KbFeedback(
                    search_id=search_id,
                    person_id=person_id,
                    helpful=helpful,
                    article_id=search.results[0] if search.results else None,
                    created_at=now,
                )
            )
            await uow.commit()

    async def request_ticket(self, search_id: int, person_id: int, now: dt.datetime) -> str:
        search = await self.search_by_id(search_id, person_id)
        async with self.uow() as uow:
            existing = (
                await uow.session.scalars(
                    select(KbTicketRequest).where(
                        KbTicketRequest.search_id == search_id, KbTicketRequest.person_id == person_id
                    )
                )
            ).first()
            if existing is None:
                uow.session.add(
                    KbTicketRequest(search_id=search_id, person_id=person_id, query=search.query, created_at=now)
                )
                await uow.commit()
        return search.query
