"""The commissions capability: `commission [PERIOD]` with the lines behind each status, disputes that open
a linked ticket, payment notices, and `partnerbot import payments`."""

from __future__ import annotations

from typing import Any

from domain.commissions import importing
from handlers.capability import Capability, ImportKind
from handlers.commissions import pushes  # noqa: F401  (registers the push renderers on the router)
from handlers.commissions.routes import router
from handlers.deps import Deps

__all__ = ["CAPABILITY"]


def _import_context(deps: Deps) -> dict[str, Any]:
    return {"now": deps.now()}


CAPABILITY = Capability(
    name="commissions",
    router=router,
    imports={
        "payments": ImportKind(
            importing.PAYMENT_COLUMNS,
            importing.validate_payments,
            importing.import_payments,
            _import_context,
            help="Commission statement lines: line_id, partner_id, period, deal_id, amount, currency, status, "
            "payout_date; a line that becomes paid sends a payment notice.",
        )
    },
)
