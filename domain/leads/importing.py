"""`partnerbot import leads FILE` (CONTRACT.md §6): validate every row, then insert or update in place.

Each NEW lead is distributed at once by its assignment mode in the same transaction as its insert, so
the offer pushes exist exactly when the lead does. Re-importing a lead id updates its details and never
distributes it again. Optional extra columns: `company_size` (shown on offers) and `min_tier`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import importing as imp
from domain.directory import partner_ids
from domain.leads.distribution import Distribution, distribute
from domain.leads.models import Lead
from domain.leads.policy import ASSIGNMENTS, KNOWN_REGIONS, PRIORITIES, TIERS, LeadPolicy
from domain.models import Partner


def _currency(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"{raw!r} is not a three-letter currency code")
    return value


def _value(raw: str) -> float:
    value = imp.decimal_number(raw)
    if value < 0:
        raise ValueError(f"{raw!r} is negative")
    return value


def _lower(max_length: int) -> Callable[[str], str]:
    inner = imp.text(max_length)
    return lambda raw: inner(raw).strip().lower()


LEAD_COLUMNS = (
    imp.Column("lead_id", imp.id_text, required=True),
    imp.Column("company", imp.text(200), required=True),
    imp.Column("domain", imp.text(253)),
    imp.Column("contact_name", imp.text(200)),
    imp.Column("contact_email", imp.email),
    imp.Column("contact_phone", imp.text(50)),
    imp.Column("country", imp.country),
    imp.Column("region", _lower(50), required=True),
    imp.Column("vertical", _lower(100)),
    imp.Column("product", _lower(100)),
    imp.Column("estimated_value", _value),
    imp.Column("currency", _currency),
    imp.Column("campaign", imp.text(200)),
    imp.Column("priority", imp.one_of(*PRIORITIES), required=True),
    imp.Column("assignment", imp.one_of(*ASSIGNMENTS), required=True),
    imp.Column("partner_id", imp.id_text),
    imp.Column("notes", imp.text(2000)),
    imp.Column("company_size", imp.text(50)),
    imp.Column("min_tier", imp.one_of(*TIERS)),
)


async def known_regions(session: AsyncSession) -> set[str]:
    """The regions partners are in, plus the program's standard ones (amer, emea, apac, latam)."""
    regions = {r.lower() for r in (await session.scalars(select(Partner.region).distinct())).all() if r}
    return regions | set(KNOWN_REGIONS)


async def validate_leads(session: AsyncSession, validated: imp.Validated) -> None:
    """Cross-row checks: unique lead ids, known regions and partners, a partner for direct leads."""
    seen: dict[str, int] = {}
    regions = await known_regions(session)
    partners = set((await session.scalars(select(Partner.external_id))).all())
    for number, row in validated.rows:
        lead_id = row["lead_id"]
        if lead_id in seen:
            validated.errors.append(
                imp.RowError(number, "lead_id", f"{lead_id!r} appears again (first on row {seen[lead_id]})")
            )
        else:
            seen[lead_id] = number
        if row["region"] not in regions:
            validated.errors.append(
                imp.RowError(
                    number, "region", f"unknown region {row['region']!r} (known: {', '.join(sorted(regions))})"
                )
            )
        partner = row.get("partner_id")
        if row["assignment"] == "direct" and not partner:
            validated.errors.append(imp.RowError(number, "partner_id", "required when assignment is direct"))
        elif partner and partner not in partners:
            validated.errors.append(imp.RowError(number, "partner_id", f"unknown partner {partner!r}"))
    validated.errors.sort(key=lambda e: e.row)


FIELDS = (
    "company",
    "domain",
    "contact_name",
    "contact_email",
    "contact_phone",
    "country",
    "region",
    "vertical",
    "product",
    "estimated_value",
    "currency",
    "campaign",
    "priority",
    "notes",
    "company_size",
    "min_tier",
)


async def import_leads(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
    policy: LeadPolicy | None = None,
) -> imp.ImportResult:
    """Upsert by lead_id; new leads are distributed at once (offers and pushes in this transaction)."""
    now = now or dt.datetime.now(dt.UTC)
    policy = policy or LeadPolicy()
    result = imp.ImportResult(skipped=list(validated.errors))
    bad = {e.row for e in validated.errors}
    rows = [(n, r) for n, r in validated.rows if n not in bad]
    partners = await partner_ids(session)
    ids = [r["lead_id"] for _, r in rows]
    existing = {
        lead.external_id: lead
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500))
        for lead in (await session.scalars(select(Lead).where(Lead.external_id.in_(chunk)))).all()
    }
    fresh: list[Lead] = []
    for _, row in rows:
        lead = existing.get(row["lead_id"])
        if lead is None:
            lead = Lead(
                external_id=row["lead_id"],
                assignment=row["assignment"],
                mode=row["assignment"],
                status="new",
                round=0,
                excluded_partner_ids=[],
                created_at=now,
            )
            session.add(lead)
            fresh.append(lead)
            result.created += 1
        else:
            result.updated += 1
        values: dict[str, Any] = {name: row.get(name) for name in FIELDS}
        for name, value in values.items():
            setattr(lead, name, value)
        lead.direct_partner_id = partners.get(row["partner_id"]) if row.get("partner_id") else None
        lead.updated_at = now
        if progress:
            progress(1)
    await session.flush()
    placed = [(lead, await distribute(session, lead, now, policy, mode=lead.assignment)) for lead in fresh]
    await session.flush()
    result.notes.extend(await where_they_went(session, placed))
    return result


async def where_they_went(session: AsyncSession, placed: list[tuple[Lead, Distribution]]) -> list[str]:
    """One line per new lead for the import summary: who got the offer, or that nobody could."""
    ids = {pid for _lead, done in placed for pid in done.partner_ids}
    names = (
        dict((await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))).all()) if ids else {}
    )
    lines: list[str] = []
    for lead, done in placed:
        partners = [names.get(pid, "?") for pid in done.partner_ids]
        shown = ", ".join(partners[:5]) + (f" and {len(partners) - 5} more" if len(partners) > 5 else "")
        if not partners:
            lines.append(f"{lead.external_id} ({lead.company}): nobody eligible; its CAMs were told")
        elif done.status == "offered":
            lines.append(f"{lead.external_id} ({lead.company}): offered to {len(partners)} partner(s): {shown}")
        else:
            lines.append(f"{lead.external_id} ({lead.company}): assigned to {shown}, waiting for acceptance")
    return lines
