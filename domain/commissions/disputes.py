"""`commission.dispute`: a partner questions a statement line. It becomes a `commission_payment` ticket
linked to the line (the support team works it under its SLA) and the CAM hears of it. Disputing the same
line again answers with the ticket already open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.addresses import Address
from domain.commissions import notifications  # noqa: F401  (registers who hears of each line event)
from domain.commissions.events import CommissionDisputed
from domain.commissions.statement import visible_line
from domain.events import publish
from domain.i18n import _
from domain.people import PersonView
from domain.tickets.desk import Desk
from domain.tickets.opening import open_ticket


@dataclass(frozen=True)
class Disputed:
    line_id: str
    ticket: str
    created: bool


async def dispute(
    session: AsyncSession,
    person: PersonView,
    line_id: str,
    reason: str,
    now: dt.datetime,
    desk: Desk,
    program_channel: Address | None,
) -> Disputed:
    line = await visible_line(session, person, line_id)
    if line.dispute_ticket:
        return Disputed(line.line_id, line.dispute_ticket, False)
    opened = await open_ticket(
        session,
        person,
        category="commission_payment",
        severity="medium",
        subject=_("Commission line %(line)s (%(period)s) disputed") % {"line": line.line_id, "period": line.period},
        description=(reason or "").strip() or _("The partner disputes this statement line."),
        related=line.line_id,
        submission_key=f"dispute:{line.id}",
        now=now,
        desk=desk,
    )
    line.disputed_at = now
    line.dispute_ticket = opened.ref
    await session.flush()
    await publish(session, CommissionDisputed(line.id, person.id, opened.ref, program_channel), now)
    return Disputed(line.line_id, opened.ref, True)
