"""A resolved ticket as a knowledge-base draft (`ticket.save_article`): the question and the answer
that worked, for an admin to review and publish."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, NotAllowed
from domain.i18n import N_
from domain.kb.drafts import save_draft
from domain.people import PersonView
from domain.tickets.lookup import AGENTS, find
from domain.tickets.models import reference


@dataclass(frozen=True)
class Saved:
    article_id: str
    created: bool


async def save_article(session: AsyncSession, person: PersonView, ref: str, now: dt.datetime) -> Saved:
    if person.role not in AGENTS:
        raise NotAllowed(N_("Only the support team can do this with a ticket."))
    ticket = await find(session, person, ref)
    if ticket.status not in ("resolved", "closed") or not (ticket.resolution or "").strip():
        raise Conflict(N_("Ticket %(ref)s has no resolution yet to keep as an article."), ref=reference(ticket.id))
    article_id = f"ticket-{reference(ticket.id).lower()}"
    body = f"{ticket.description.strip()}\n\n## Answer\n\n{(ticket.resolution or '').strip()}\n"
    created = await save_draft(
        session,
        article_id=article_id,
        title=ticket.subject,
        body=body,
        tags=[ticket.category],
        language="en",
        now=now,
    )
    return Saved(article_id, created)
