"""Is another partner already registering this customer? (DOMAIN.md "Conflict detection")

A conflict is another open or approved registration with the same registrable domain, or a company
name whose key (legal suffixes and punctuation removed) scores at least the threshold with rapidfuzz's
token-sort ratio (word order does not matter). Names are compared only with the registrations that
share the most name tokens (`DealNameToken`: each distinctive word and its one-letter deletions, so one
typo still shares a token), a look-up of a few exact keys in an index, so the check costs about the same
however many registrations are on file (`benchmarks/deals_conflict_check.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.deals.models import ACTIVE, Deal, DealNameToken
from domain.deals.validation import name_tokens

CANDIDATES = 50


@dataclass(frozen=True)
class Match:
    deal_id: int
    partner_id: int
    why: str  # domain | name
    score: int


def similar(key_a: str, key_b: str) -> int:
    return round(max(fuzz.token_sort_ratio(key_a, key_b), fuzz.ratio(key_a.replace(" ", ""), key_b.replace(" ", ""))))


async def find_conflicts(
    session: AsyncSession,
    *,
    partner_id: int,
    company_key: str,
    domain: str | None,
    threshold: int,
    exclude: int | None = None,
) -> list[Match]:
    """Other partners' active registrations of the same customer, best first: one indexed statement."""
    found: dict[int, Match] = {}
    other = (Deal.partner_id != partner_id, Deal.status.in_(ACTIVE), Deal.id != (exclude or 0))
    tokens = name_tokens(company_key)
    same: list[ColumnElement[bool]] = [Deal.domain == domain] if domain else []
    if tokens:
        shared = (
            select(DealNameToken.deal_id)
            .where(DealNameToken.token.in_(tokens))
            .group_by(DealNameToken.deal_id)
            .order_by(func.count().desc())
            .limit(CANDIDATES)
        )
        same.append(Deal.id.in_(shared))
    if not same:
        return []
    rows = await session.execute(
        select(Deal.id, Deal.partner_id, Deal.company_key, Deal.domain).where(or_(*same), *other).limit(CANDIDATES + 20)
    )
    for deal_id, owner, key, their_domain in rows:
        if domain and their_domain == domain:
            found[deal_id] = Match(deal_id, owner, "domain", 100)
        elif company_key and (score := similar(company_key, key)) >= threshold:
            found[deal_id] = Match(deal_id, owner, "name", score)
    return sorted(found.values(), key=lambda m: (-m.score, m.deal_id))
