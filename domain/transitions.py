"""Conditional state transitions: the one way a workflow row (a lead; later tickets and deals) changes state.

A transition is ONE statement, `UPDATE … WHERE id = :id AND <state> IN (:expected) AND <guards> RETURNING …`.
Whoever gets the row back won; everybody else lost, on SQLite (≥ 3.35) and PostgreSQL, across processes,
however stale what they read before was. On PostgreSQL the winner's UPDATE also holds the row lock until
its transaction ends, so whatever else the winner writes to that row in the same transaction is safe, and
a concurrent transition that waited for the lock re-checks its WHERE against the committed row and loses.

So a transition must be the FIRST write of its transaction: read and check as much as you like before it,
but decide nothing on what you read; let the conditions decide.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Base


def _expected(column: Any, expected: str | Collection[str]) -> ColumnElement[bool]:
    if isinstance(expected, str):
        return column == expected  # type: ignore[no-any-return]
    return column.in_(tuple(expected))  # type: ignore[no-any-return]


def predicate(
    model: type[Base],
    row_id: int,
    expected: str | Collection[str],
    *guards: ColumnElement[bool],
    state: str = "status",
) -> ColumnElement[bool]:
    """The WHERE of a transition: this row, in one of the expected states, and every guard holds."""
    table = model.__table__
    return and_(table.c.id == row_id, _expected(table.c[state], expected), *guards)


async def possible(
    session: AsyncSession,
    model: type[Base],
    row_id: int,
    expected: str | Collection[str],
    *guards: ColumnElement[bool],
    state: str = "status",
) -> bool:
    """Would the transition apply now? For refusing early only; the transition itself decides."""
    query = select(exists().where(predicate(model, row_id, expected, *guards, state=state)))
    return bool(await session.scalar(query))


async def transition(
    session: AsyncSession,
    model: type[Base],
    row_id: int,
    expected: str | Collection[str],
    values: Mapping[str, Any],
    *guards: ColumnElement[bool],
    state: str = "status",
) -> Row[Any] | None:
    """Move row `row_id` from one of the `expected` states (and only while every guard holds) to `values`.

    Returns the updated row (all columns, after the update), or None when the row is gone, in another
    state, or a guard failed: the caller lost and gives the loser's answer. ORM objects already loaded
    in the session are not refreshed; read the row again (`populate_existing`) to go on with it.
    """
    table = model.__table__
    done = await session.execute(
        update(model)
        .where(predicate(model, row_id, expected, *guards, state=state))
        .values(**values)
        .returning(*table.c)
        .execution_options(synchronize_session=False)
    )
    return done.first()
