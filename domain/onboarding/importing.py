"""`partnerbot import milestones FILE`: milestone events from the LMS or CRM.

Columns (issue 15 and CONTRACT.md §6 both read): `partner_id, milestone` and any of `status`
(attempted|completed, default completed), `percent` (0–100), `at` or `completed_on` (the date it
happened), `detail`, `person_email`, `expires_on`. Each row is checked first: an unknown milestone or
partner, a date before the partner joined or in the future, a percent outside 0–100, the same partner and
milestone twice. A later event never moves a completed milestone back to attempted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import importing as imp
from domain.directory import partner_ids
from domain.models import Partner
from domain.onboarding.models import MilestoneRecord
from domain.onboarding.tracks import MILESTONES


def milestone(raw: str) -> str:
    key = raw.strip().lower()
    if key not in MILESTONES:
        raise ValueError(f"unknown milestone {raw[:40]!r} (one of {', '.join(MILESTONES)})")
    return key


def percent(raw: str) -> int:
    try:
        value = int(raw.strip().rstrip("%"))
    except ValueError:
        raise ValueError(f"{raw[:20]!r} is not a whole percent") from None
    if not 0 <= value <= 100:
        raise ValueError(f"{value} is not a percent between 0 and 100")
    return value


MILESTONE_COLUMNS = (
    imp.Column("partner_id", imp.id_text, required=True),
    imp.Column("milestone", milestone, required=True),
    imp.Column("status", imp.one_of("attempted", "completed")),
    imp.Column("percent", percent),
    imp.Column("at", imp.date),
    imp.Column("completed_on", imp.date),
    imp.Column("detail", imp.text(2000)),
    imp.Column("person_email", imp.email),
    imp.Column("expires_on", imp.date),
)


def _when(row: dict[str, object]) -> dt.date | None:
    value = row.get("at") or row.get("completed_on")
    return value if isinstance(value, dt.date) else None


async def validate_milestones(session: AsyncSession, validated: imp.Validated, *, today: dt.date) -> None:
    partners = dict((await session.execute(select(Partner.external_id, Partner.joined_on))).all())
    seen: set[tuple[str, str]] = set()
    for number, row in validated.rows:
        if row["partner_id"] not in partners:
            validated.errors.append(imp.RowError(number, "partner_id", f"no partner {row['partner_id'][:40]}"))
            continue
        when = _when(row)
        joined = partners[row["partner_id"]]
        if when is None:
            validated.errors.append(imp.RowError(number, "at", "the date it happened is required (at or completed_on)"))
        elif joined is not None and when < joined:
            validated.errors.append(imp.RowError(number, "at", f"{when} is before the partner joined ({joined})"))
        elif when > today:
            validated.errors.append(imp.RowError(number, "at", f"{when} is in the future"))
        key = (row["partner_id"], row["milestone"])
        if key in seen:
            validated.errors.append(
                imp.RowError(number, "milestone", "the same partner and milestone twice in this file")
            )
        seen.add(key)


async def import_milestones(
    session: AsyncSession,
    validated: imp.Validated,
    *,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> imp.ImportResult:
    now = now or dt.datetime.now(dt.UTC)
    result, rows = imp.to_write(validated)
    partners = await partner_ids(session)
    for _number, row in rows:
        partner_id = partners[row["partner_id"]]
        record = await session.scalar(
            select(MilestoneRecord).where(
                MilestoneRecord.partner_id == partner_id, MilestoneRecord.milestone == row["milestone"]
            )
        )
        status = row.get("status") or "completed"
        if record is None:
            record = MilestoneRecord(partner_id=partner_id, milestone=row["milestone"], status=status, source="import")
            session.add(record)
            result.created += 1
        else:
            result.updated += 1
            if record.status == "completed" and status == "attempted":
                status = "completed"  # a later attempt does not undo a pass
        record.status = status
        record.percent = (
            row.get("percent") if row.get("percent") is not None else (100 if status == "completed" else record.percent)
        )
        record.at = _when(row) or record.at
        record.detail = row.get("detail") or record.detail
        record.person_email = row.get("person_email") or record.person_email
        record.expires_on = row.get("expires_on") or record.expires_on
        record.source = "import"
        record.updated_at = now
        if progress:
            progress(1)
    await session.flush()
    return result
