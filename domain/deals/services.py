"""The deals capability's operations as services: each opens and commits its own unit of work."""

from __future__ import annotations

from domain.db import read_only, transactional
from domain.deals import decisions, lookup, queries, registration

register = transactional(registration.register)
conflicts_for = read_only(registration.conflicts_for)
decide = transactional(decisions.decide)
answer = transactional(decisions.answer)
request_extension = transactional(decisions.request_extension)
decide_extension = transactional(decisions.decide_extension)
close_by_cam = transactional(decisions.close_by_cam)
deal_lines = read_only(queries.deal_lines)
visible = read_only(lookup.visible)
review = read_only(lookup.review)
