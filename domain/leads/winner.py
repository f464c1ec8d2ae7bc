"""The winner's card ("Lead … is yours", with the contact details), queued in the claim's transaction.

Were it only the handler's direct answer, a process that dies after the claim commits but before the
answer reaches the platform would leave the winner holding a lead they never saw. As an outbox row it
is written with the claim or not at all, and the sender delivers it exactly like every other push
(intent recorded before the platform call, nothing doubled on a restart).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox import enqueue

KIND = "lead.won"


def card_payload(card: Any, at: dt.datetime) -> dict[str, Any]:
    """A `LeadCard` as JSON: datetimes as ISO text, plus the instant of the claim."""
    fields = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in dataclasses.asdict(card).items()}
    return {"card": fields, "at": at.isoformat()}


async def queue_winner_card(session: AsyncSession, card: Any, person_id: int, round_: int, now: dt.datetime) -> bool:
    """One card per lead, round and winner: an answer to their own press, so quiet hours do not hold it."""
    return await enqueue(
        session,
        key=f"{KIND}:{card.id}:{round_}:{person_id}",
        kind=KIND,
        payload=card_payload(card, now),
        person_id=person_id,
        urgent=True,
        answer=True,
        now=now,
    )
