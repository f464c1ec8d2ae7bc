"""The support desk as services: each runs in its own unit of work and commits (or only reads).

Handlers call these with `deps.uow`; they never open a transaction themselves.
"""

from __future__ import annotations

from domain.db import read_only, transactional
from domain.tickets import articles, lifecycle, lookup, opening, queries

open_ticket = transactional(opening.open_ticket)
take = transactional(lifecycle.take)
ask_partner = transactional(lifecycle.ask_partner)
partner_writes = transactional(lifecycle.partner_writes)
agent_replies = transactional(lifecycle.agent_replies)
escalate = transactional(lifecycle.escalate)
resolve = transactional(lifecycle.resolve)
confirm = transactional(lifecycle.confirm)
reopen = transactional(lifecycle.reopen)
partner_tickets = read_only(queries.partner_tickets)
queue = read_only(queries.queue)
find = read_only(lookup.find)
save_article = transactional(articles.save_article)
