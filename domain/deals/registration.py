"""Registering a deal: every rule checked, conflicts found, the same submission twice one registration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import zone
from domain.deals import notifications  # noqa: F401  (registers who hears of each deal event)
from domain.deals import validation as check
from domain.deals.conflicts import Match, find_conflicts
from domain.deals.events import DealChanged
from domain.deals.models import Deal, DealNameToken, reference
from domain.deals.policy import DealPolicy
from domain.errors import InvalidInput, NotAllowed
from domain.events import publish
from domain.health.compliance import lapsed_agreement
from domain.i18n import N_, _
from domain.leads.holding import convert
from domain.leads.policy import HOLDING
from domain.leads.queries import visible
from domain.models import Partner
from domain.outbox import dialect_insert
from domain.people import PARTNER_ROLES, PersonView


class FieldError(InvalidInput):
    """A value refused at submission, naming its field so a modal shows the reason beside it."""

    def __init__(self, field: str, error: InvalidInput) -> None:
        super().__init__(error.message, **error.params)
        self.field = field


@dataclass(frozen=True)
class Registered:
    deal_id: int
    ref: str
    status: str
    created: bool


def today_of(person: PersonView, partner: Partner | None, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(person.timezone or (partner.timezone if partner else None))).date()


def _checked(values: dict[str, Any], language: str, today: dt.date) -> dict[str, Any]:
    """Every field by DOMAIN.md's rules; the first bad one raises `FieldError`."""
    steps: list[tuple[str, Any]] = [
        ("company", lambda v: check.bounded(str(v), check.MAX_COMPANY, _("company"))),
        ("domain", lambda v: check.registrable_domain(str(v))),
        ("contact_name", lambda v: check.bounded(str(v), check.MAX_TEXT, _("contact name"))),
        ("contact_email", lambda v: check.check_email(check.bounded(str(v), 254, _("contact e-mail")))),
        ("amount", lambda v: v if isinstance(v, Decimal) else check.parse_deal_amount(str(v), language)),
        ("currency", lambda v: check.check_currency(str(v))),
        (
            "close_date",
            lambda v: check.check_close_date(
                v if isinstance(v, dt.date) else check.parse_date(str(v), language, today), today
            ),
        ),
        ("product", lambda v: check.bounded(str(v), 100, _("product"))),
    ]
    out: dict[str, Any] = {}
    for name, step in steps:
        try:
            out[name] = step(values.get(name) or "")
        except InvalidInput as exc:
            raise FieldError(name, exc) from None
    notes = str(values.get("notes") or "").strip()
    if len(notes) > check.MAX_NOTES:
        raise FieldError(
            "notes",
            InvalidInput(
                N_("%(field)s can be at most %(max)s characters (you sent %(length)s)."),
                field=_("notes"),
                max=check.MAX_NOTES,
                length=len(notes),
            ),
        )
    out["notes"] = notes or None
    return out


async def conflicts_for(
    session: AsyncSession, person: PersonView, *, company: str | None, domain: str | None, policy: DealPolicy
) -> list[Match]:
    """What a registration with this company or domain would conflict with (the live warning)."""
    if person.partner_id is None:
        return []
    key = check.company_key(company) if company else ""
    return await find_conflicts(
        session, partner_id=person.partner_id, company_key=key, domain=domain, threshold=policy.conflict_threshold
    )


async def register(
    session: AsyncSession,
    person: PersonView,
    values: dict[str, Any],
    *,
    language: str,
    submission_key: str,
    now: dt.datetime,
    policy: DealPolicy,
) -> Registered:
    """Register a deal for the person's partner; `conflict` when another partner's matches, else `submitted`."""
    if person.role not in PARTNER_ROLES or person.partner_id is None:
        raise NotAllowed(N_("Deals are registered by partner users."))
    partner = await session.get(Partner, person.partner_id)
    assert partner is not None
    today = today_of(person, partner, now)
    if policy.block_on_expired_agreement and (kind := await lapsed_agreement(session, partner.id, today)):
        raise NotAllowed(
            N_("Deal registration is paused: your %(kind)s agreement has expired. Your CAM can help renew it."),
            kind=kind,
        )
    fields = _checked(values, language, today)
    lead_ref = str(values.get("lead_id") or "").strip()
    lead = await visible(session, person, lead_ref) if lead_ref else None
    existing = await session.scalar(
        select(Deal).where(Deal.registered_by_id == person.id, Deal.submission_key == submission_key[:64])
    )
    if existing is not None:  # submitted before: answer as the first time
        return Registered(existing.id, existing.ref, existing.status, False)
    key = check.company_key(fields["company"])
    matches = await find_conflicts(
        session, partner_id=partner.id, company_key=key, domain=fields["domain"], threshold=policy.conflict_threshold
    )
    status = "conflict" if matches else "submitted"
    inserted = await session.execute(
        dialect_insert(session)(Deal)
        .values(
            partner_id=partner.id,
            registered_by_id=person.id,
            lead_id=lead.id if lead else None,
            submission_key=submission_key[:64],
            company_key=key,
            tier=partner.tier,
            status=status,
            conflict_with_id=matches[0].deal_id if matches else None,
            version=1,
            extensions=0,
            submitted_at=now,
            updated_at=now,
            **fields,
        )
        .on_conflict_do_nothing(index_elements=["registered_by_id", "submission_key"])
        .returning(Deal.id)
    )
    deal_id = inserted.scalar()
    if deal_id is None:  # the same submission committed by a concurrent request
        again = (
            await session.scalars(
                select(Deal).where(Deal.registered_by_id == person.id, Deal.submission_key == submission_key[:64])
            )
        ).one()
        return Registered(again.id, again.ref, again.status, False)
    session.add_all(DealNameToken(deal_id=deal_id, token=token) for token in check.name_tokens(key))
    await session.flush()
    if lead is not None and lead.status in HOLDING:  # the lead is converted by its deal (attribution)
        await convert(session, person, lead.external_id, now)
    await publish(session, DealChanged(deal_id, 1, policy.cam_channel), now)
    return Registered(deal_id, reference(deal_id), status, True)
