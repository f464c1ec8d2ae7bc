"""The leads program as services: each runs in its own unit of work and commits (or only reads).

Handlers call these with `deps.uow`; they never open a transaction themselves. A look-up runs in a
read transaction (domain.db.read_only), so on SQLite it never waits for, nor takes, the write lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain import partner_names
from domain.db import read_only, transactional
from domain.leads import claims, holding, lookup, queries, unclaimed
from domain.leads.lookup import LeadCard
from domain.leads.policy import LeadPolicy
from domain.people import PersonView

claim = transactional(claims.claim)
accept = transactional(claims.accept)
update_stage = transactional(holding.update_stage)
convert = transactional(holding.convert)
held = read_only(holding.held)
check_workable = read_only(holding.check_workable)
explain = read_only(queries.explain)
unclaimed_leads = read_only(unclaimed.unclaimed)
matching_partners = read_only(partner_names.matching_partners)


@dataclass(frozen=True)
class Overview:
    """What `/leads` shows a person: the leads they hold or were assigned, and the offers open to them."""

    held: list[LeadCard]
    offered: list[LeadCard]


@read_only
async def overview(session: AsyncSession, person: PersonView) -> Overview:
    held = await queries.open_leads(session, person)
    offered = [await lookup.card_of(session, lead) for lead in await queries.open_offers(session, person)]
    return Overview(held, offered)


@read_only
async def card(session: AsyncSession, person: PersonView, ref: str) -> LeadCard:
    """One lead as this person may see it (refused alike when unknown or not theirs)."""
    return await lookup.card_of(session, await queries.visible(session, person, ref))


@transactional
async def decline(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy) -> str:
    """Decline an assigned lead; it goes to the next partner. Returns the lead's id for the reply."""
    await claims.decline(session, person, ref, now, policy)
    return (await lookup.find(session, ref)).external_id


@transactional
async def release(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: LeadPolicy) -> str:
    """Give a held lead back; it is offered to other partners. Returns the lead's id for the reply."""
    await holding.release(session, person, ref, now, policy)
    return (await lookup.find(session, ref)).external_id


@dataclass(frozen=True)
class Assignment:
    lead: str
    accept_by: dt.datetime | None
    partner_ids: tuple[int, ...]
    """Whom it went to: empty when nobody could take it."""


@transactional
async def assign(
    session: AsyncSession, person: PersonView, ref: str, partner: str, now: dt.datetime, policy: LeadPolicy
) -> Assignment:
    """A CAM assigns the lead to one partner directly; it has the acceptance window to accept."""
    done = await holding.assign_by_cam(session, person, ref, partner, now, policy)
    await session.flush()
    lead = await lookup.find(session, ref)
    return Assignment(lead.external_id, lead.acceptance_due_at, done.partner_ids)
