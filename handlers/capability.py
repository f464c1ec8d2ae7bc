"""A capability: one self-describing unit per feature, which the core loads from one list.

Leads, the knowledge base, tickets, deals … each declare here, with types, everything the core
needs to serve them: the routing table (commands and button actions with the roles and chat kinds
each allows, forms, push renderers), the sweep jobs, the import kinds, the reports, the demo data,
the settings they read and the services they offer to other capabilities.  The app, the CLI, the
importer, the sweeper, `help` and `demo` are all built from ``bot.capabilities.CAPABILITIES``, so
adding a capability is its package plus one line there (see ARCHITECTURE.md, "Adding a capability").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.importing import Column, ImportResult
from domain.sweeps import Sweep
from handlers.deps import Deps
from handlers.router import Router

Row = TypeVar("Row")


def _nothing(deps: Deps) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ImportKind:
    """`partnerbot import KIND FILE`: the file's columns, the cross-row checks and the writer.

    ``context`` gives the writer what it needs besides the session (the clock, a policy), as
    keyword arguments.
    """

    columns: tuple[Column, ...]
    validate: Callable[..., Awaitable[None]]
    write: Callable[..., Awaitable[ImportResult]]
    context: Callable[[Deps], dict[str, Any]] = _nothing
    help: str = ""
    validate_context: Callable[[Deps], dict[str, Any]] = _nothing
    """What the cross-row checks need besides the session (today's date, to refuse a date in the future)."""
    batch: int | None = 500
    """Rows per write transaction; None writes the file in one (rows that refer to each other)."""


@dataclass(frozen=True)
class ReportKind(Generic[Row]):
    """`partnerbot report KIND`: rows since an instant, and their table, CSV, JSON and chart."""

    title: str
    rows: Callable[[AsyncSession, dt.datetime], Awaitable[list[Row]]]
    as_table: Callable[[list[Row]], str]
    as_csv: Callable[[list[Row]], str]
    as_json: Callable[[list[Row], dt.datetime], str]
    chart: Callable[[list[Row], Path, str], Path] | None = None


@dataclass(frozen=True)
class DemoData:
    """What `partnerbot demo` loads for this capability: import files in order, then any extra step."""

    imports: tuple[tuple[str, Path], ...] = ()
    extra: Callable[[Deps], Awaitable[str | None]] | None = None


Setting = Callable[[str], Any]
"""Reads one setting by its name in the settings model (``slack_cam_channel``)."""


@dataclass(frozen=True)
class Capability:
    """Everything one feature brings; see the module docstring."""

    name: str
    router: Router
    settings: tuple[str, ...] = ()
    services: Callable[[Deps, Setting], Iterable[object]] = lambda deps, setting: ()
    sweeps: Callable[[Deps], Sequence[Sweep]] = lambda deps: ()
    imports: Mapping[str, ImportKind] = field(default_factory=dict)
    reports: Mapping[str, ReportKind[Any]] = field(default_factory=dict)
    demo: DemoData | None = None
    background: Sequence[Callable[[Deps], Awaitable[None]]] = ()
