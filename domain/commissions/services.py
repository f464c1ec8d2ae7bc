"""The commissions capability's operations as services: each opens and commits its own unit of work."""

from __future__ import annotations

from domain.commissions import disputes, statement
from domain.db import read_only, transactional

statement_of = read_only(statement.statement)
lines = read_only(statement.lines)
dispute = transactional(disputes.dispute)
