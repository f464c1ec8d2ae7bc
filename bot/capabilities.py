"""The list of capabilities the product is built from: adding one is its package plus one line here.

Everything else — the dispatcher's routing table, the services, the sweeper's jobs, `partnerbot
import` and `report` kinds, `help`, the demo program — is derived from this list
(ARCHITECTURE.md, "Adding a capability").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers import account, commissions, deals, health, kb, leads, onboarding, tickets
from handlers.capability import Capability, ImportKind, ReportKind
from handlers.router import Route, Router

CAPABILITIES: tuple[Capability, ...] = (
    account.CAPABILITY,
    kb.CAPABILITY,
    leads.CAPABILITY,
    tickets.CAPABILITY,
    deals.CAPABILITY,
    commissions.CAPABILITY,
    onboarding.CAPABILITY,
    health.CAPABILITY,
)


def routers(capabilities: Sequence[Capability] = CAPABILITIES) -> list[Router]:
    return [capability.router for capability in capabilities]


def authorization_table(capabilities: Sequence[Capability] = CAPABILITIES) -> list[tuple[str, Route]]:
    """Every command and button action with the roles and chat kinds it allows (the matrix test reads it)."""
    table: list[tuple[str, Route]] = []
    for router in routers(capabilities):
        table += [("command", route) for route in router.commands.values()]
        table += [("action", route) for route in router.actions.values()]
    return table


def import_kinds(capabilities: Sequence[Capability] = CAPABILITIES) -> dict[str, ImportKind]:
    return _merged("import kind", [c.imports for c in capabilities])


def report_kinds(capabilities: Sequence[Capability] = CAPABILITIES) -> dict[str, ReportKind[Any]]:
    return _merged("report", [c.reports for c in capabilities])


def _merged(what: str, tables: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for table in tables:
        for name, item in table.items():
            if name in merged:
                raise ValueError(f"two capabilities declare the {what} {name!r}")
            merged[name] = item
    return merged
