"""The onboarding capability's operations as services: each opens and commits its own unit of work."""

from __future__ import annotations

from domain.db import read_only, transactional
from domain.onboarding import queries

checklist = read_only(queries.checklist)
portfolio = read_only(queries.portfolio)
confirm_milestone = transactional(queries.confirm_milestone)
snooze = transactional(queries.snooze)
