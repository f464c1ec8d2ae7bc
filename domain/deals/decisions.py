"""What happens to a registration after it is sent: the CAM's decision, the partner's answer, extensions,
and the outcome. Each step is a conditional UPDATE from the states it may start in, so two CAMs pressing
at the same instant on two workers make one decision and the other is told who made it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import transitions
from domain.commissions.accrual import accrue
from domain.deals import notifications  # noqa: F401  (registers who hears of each deal event)
from domain.deals.events import DealChanged, DealClosed, DealDecided
from domain.deals.lookup import decidable, find, visible
from domain.deals.models import ACTIVE, OPEN, Deal
from domain.deals.policy import DealPolicy
from domain.errors import Conflict, InvalidInput, NotAllowed
from domain.events import publish
from domain.i18n import N_, _, format_moment
from domain.models import Person
from domain.people import PersonView

MAX_REASON = 2000


async def _already(session: AsyncSession, deal: Deal) -> Conflict:
    """The loser's answer: who decided and when."""
    fresh = await find(session, deal.ref)
    who = await session.get(Person, fresh.decided_by_id) if fresh.decided_by_id else None
    if fresh.decided_at and who is not None:
        return Conflict(
            N_("Deal %(ref)s was already %(status)s by %(name)s at %(at)s."),
            ref=fresh.ref,
            status=_(fresh.status),
            name=who.name,
            at=format_moment(fresh.decided_at),
        )
    return Conflict(N_("Deal %(ref)s is %(status)s now; nothing was changed."), ref=fresh.ref, status=_(fresh.status))


def _reason(text: str | None, required: bool) -> str | None:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput(N_("Say why, in a few words: the partner reads it."))
    if len(value) > MAX_REASON:
        raise InvalidInput(N_("Keep the reason under %(max)s characters."), max=MAX_REASON)
    return value or None


async def _move(
    session: AsyncSession,
    deal: Deal,
    expected: tuple[str, ...],
    values: dict[str, Any],
    now: dt.datetime,
    policy: DealPolicy,
    *guards: Any,
    note: str = "",
) -> Deal:
    done = await transitions.transition(
        session, Deal, deal.id, expected, {**values, "version": Deal.version + 1, "updated_at": now}, *guards
    )
    if done is None:
        raise await _already(session, deal)
    fresh = await find(session, deal.ref)
    await publish(session, DealChanged(fresh.id, fresh.version, policy.cam_channel, note), now)
    return fresh


async def decide(
    session: AsyncSession,
    person: PersonView,
    ref: str,
    decision: str,
    reason: str | None,
    now: dt.datetime,
    policy: DealPolicy,
) -> Deal:
    """approve | reject | info, by the partner's CAM, once."""
    deal = await decidable(session, person, ref)
    values: dict[str, Any] = {"decided_by_id": person.id, "decided_at": now}
    if decision == "approve":
        expires = now + policy.protection
        values |= {"status": "approved", "approved_at": now, "expires_at": expires, "reason": None}
        values["reminder_at"] = policy.next_reminder(expires, now)
    elif decision == "reject":
        values |= {"status": "rejected", "reason": _reason(reason, True)}
    elif decision == "info":
        values |= {"status": "info_requested", "reason": _reason(reason, True)}
    else:
        raise InvalidInput(N_("Unknown decision %(value)s."), value=decision[:20])
    fresh = await _move(session, deal, OPEN, values, now, policy)
    await publish(session, DealDecided(fresh.id, fresh.status, fresh.version), now)
    return fresh


async def answer(
    session: AsyncSession, person: PersonView, ref: str, text: str, now: dt.datetime, policy: DealPolicy
) -> Deal:
    """The partner answers the CAM's question: the deal goes back to the CAM."""
    deal = await visible(session, person, ref)
    if deal.status != "info_requested":
        raise Conflict(
            N_("Deal %(ref)s is not waiting for your answer (it is %(status)s)."), ref=deal.ref, status=deal.status
        )
    back = "conflict" if deal.conflict_with_id else "submitted"
    return await _move(
        session,
        deal,
        ("info_requested",),
        {"status": back, "partner_answer": _reason(text, True)},
        now,
        policy,
        note="answered",
    )


async def request_extension(
    session: AsyncSession, person: PersonView, ref: str, now: dt.datetime, policy: DealPolicy
) -> Deal:
    deal = await visible(session, person, ref)
    if person.partner_id is None:
        raise NotAllowed(N_("Extensions are asked for by partner users."))
    if deal.status != "approved" or deal.expires_at is None or deal.expires_at <= now:
        raise Conflict(N_("Deal %(ref)s is not protected now, so it cannot be extended."), ref=deal.ref)
    if deal.extension_requested_at is not None:
        raise Conflict(N_("An extension of %(ref)s is already asked for; the CAM decides."), ref=deal.ref)
    return await _move(
        session,
        deal,
        ("approved",),
        {"extension_requested_at": now},
        now,
        policy,
        Deal.extension_requested_at.is_(None),
        note="extension",
    )


async def decide_extension(
    session: AsyncSession, person: PersonView, ref: str, grant: bool, now: dt.datetime, policy: DealPolicy
) -> Deal:
    deal = await decidable(session, person, ref)
    if deal.extension_requested_at is None or deal.expires_at is None:
        raise await _already(session, deal)
    values: dict[str, Any] = {"extension_requested_at": None, "decided_by_id": person.id, "decided_at": now}
    if grant:
        expires = deal.expires_at + policy.protection
        values |= {
            "expires_at": expires,
            "reminder_at": policy.next_reminder(expires, now),
            "extensions": deal.extensions + 1,
        }
    fresh = await _move(session, deal, ("approved",), values, now, policy, Deal.extension_requested_at.is_not(None))
    await publish(session, DealDecided(fresh.id, "extended" if grant else "extension_refused", fresh.version), now)
    return fresh


async def close(
    session: AsyncSession,
    deal: Deal,
    outcome: str,
    *,
    closed_on: dt.date,
    amount: Decimal | None,
    now: dt.datetime,
    policy: DealPolicy,
    by: PersonView | None = None,
) -> Deal | None:
    """Won or lost (the CRM's file or the CAM's button); a won deal accrues its commission. A deal already
    closed the same way is left as it is (a re-imported file changes nothing); None then."""
    if deal.status == outcome:
        return None
    values: dict[str, Any] = {
        "status": outcome,
        "closed_on": closed_on,
        "expires_at": None,
        "reminder_at": None,
        "extension_requested_at": None,
        "won_amount": (amount or deal.amount) if outcome == "won" else None,
    }
    if by is not None:
        values |= {"decided_by_id": by.id, "decided_at": now}
    fresh = await _move(session, deal, (*ACTIVE, "expired"), values, now, policy)
    if outcome == "won":
        await accrue(
            session,
            deal_id=fresh.id,
            deal_ref=fresh.ref,
            partner_id=fresh.partner_id,
            amount=fresh.won_amount or fresh.amount,
            currency=fresh.currency,
            rate=policy.rate(fresh.tier),
            closed_on=closed_on,
            now=now,
        )
    await publish(session, DealClosed(fresh.id, outcome), now)
    return fresh


async def close_by_cam(
    session: AsyncSession, person: PersonView, ref: str, outcome: str, now: dt.datetime, policy: DealPolicy
) -> Deal:
    deal = await decidable(session, person, ref)
    closed = await close(session, deal, outcome, closed_on=now.date(), amount=None, now=now, policy=policy, by=person)
    if closed is None:
        raise await _already(session, deal)
    return closed
