"""Certifications and agreements that expire: `partnerbot import certifications|agreements FILE`, the
reminders 30 and 7 days before (to the holder and the partner admins), the CAM alert on expiry, and —
where the operator turns it on — deal registration refused while an agreement has lapsed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import importing as imp
from domain.calendar import zone
from domain.directory import partner_ids
from domain.events import publish
from domain.health import notifications  # noqa: F401  (registers who hears of each health event)
from domain.health.events import CredentialExpired, CredentialExpiring
from domain.health.models import Credential
from domain.health.policy import HealthPolicy
from domain.models import Person
from domain.sweeps import Sweep, SweepContext, drain_due

MORNING = dt.time(9)


def columns(person_required: bool) -> tuple[imp.Column, ...]:
    return (
        imp.Column("partner_id", imp.id_text, required=True),
        imp.Column("person_email", imp.email, required=person_required),
        imp.Column("kind", imp.text(100), required=True),
        imp.Column("expires_on", imp.date, required=True),
    )


async def validate_credentials(session: AsyncSession, validated: imp.Validated, *, today: dt.date) -> None:
    partners = await partner_ids(session)
    emails = {row["person_email"] for _, row in validated.rows if row.get("person_email")}
    people: dict[str, int | None] = (
        dict(
            (
                await session.execute(
                    select(func.lower(Person.email), Person.partner_id).where(func.lower(Person.email).in_(emails))
                )
            ).all()
        )
        if emails
        else {}
    )
    seen: set[tuple[str, str, str]] = set()
    for number, row in validated.rows:
        partner_id = partners.get(row["partner_id"])
        if partner_id is None:
            validated.errors.append(imp.RowError(number, "partner_id", f"no partner {row['partner_id'][:40]}"))
        email = (row.get("person_email") or "").lower()
        if email and email not in people:
            validated.errors.append(imp.RowError(number, "person_email", f"no person {email[:80]}"))
        elif email and partner_id is not None and people[email] != partner_id:
            validated.errors.append(
                imp.RowError(number, "person_email", f"{email[:80]} is not a person of this partner")
            )
        if row["expires_on"] < today:
            validated.errors.append(imp.RowError(number, "expires_on", f"{row['expires_on']} is in the past"))
        key = (row["partner_id"], row["kind"].lower(), email)
        if key in seen:
            validated.errors.append(imp.RowError(number, "kind", "the same credential twice in this file"))
        seen.add(key)


def next_due(credential: Credential, policy: HealthPolicy) -> dt.datetime | None:
    """The morning of the next reminder not yet sent, or of the expiry."""
    tz = zone(policy.calendar.timezone)
    for days in sorted(policy.reminders, reverse=True):
        if str(days) not in credential.reminded:
            day = credential.expires_on - dt.timedelta(days=days)
            return dt.datetime.combine(day, MORNING, tz).astimezone(dt.UTC)
    if "expired" not in credential.reminded:
        return dt.datetime.combine(credential.expires_on, MORNING, tz).astimezone(dt.UTC)
    return None


def writer(category: str) -> Callable[..., Awaitable[imp.ImportResult]]:
    async def write(
        session: AsyncSession,
        validated: imp.Validated,
        *,
        progress: Callable[[int], None] | None = None,
        now: dt.datetime | None = None,
        policy: HealthPolicy | None = None,
    ) -> imp.ImportResult:
        now, policy = now or dt.datetime.now(dt.UTC), policy or HealthPolicy()
        result, rows = imp.to_write(validated)
        partners = await partner_ids(session)
        for _number, row in rows:
            email = (row.get("person_email") or "").lower()
            person_id = (
                await session.scalar(select(Person.id).where(func.lower(Person.email) == email)) if email else None
            )
            key = (
                Credential.partner_id == partners[row["partner_id"]],
                Credential.category == category,
                func.lower(Credential.kind) == row["kind"].lower(),
                Credential.holder == email,
            )
            credential = await session.scalar(select(Credential).where(*key))
            if credential is None:
                credential = Credential(
                    partner_id=partners[row["partner_id"]],
                    category=category,
                    kind=row["kind"],
                    holder=email,
                    reminded=[],
                )
                session.add(credential)
                result.created += 1
            else:
                result.updated += 1
            if credential.expires_on != row["expires_on"]:  # renewed: the reminders start again
                credential.expires_on, credential.reminded = row["expires_on"], []
            credential.person_id, credential.updated_at = person_id, now
            credential.due_at = next_due(credential, policy)
            if progress:
                progress(1)
        await session.flush()
        return result

    return write


async def remind(session: AsyncSession, credential_id: int, at: dt.datetime, policy: HealthPolicy) -> int:
    """The reminder or the expiry due now; after downtime, one message for the latest one owed."""
    credential = await session.get(Credential, credential_id)
    if credential is None or credential.due_at is None or credential.due_at > at:
        return 0
    today = at.astimezone(zone(policy.calendar.timezone)).date()
    days_left = (credential.expires_on - today).days
    reminded = list(credential.reminded)
    if days_left <= 0:  # the reminders still owed are moot now
        reminded += [str(d) for d in policy.reminders if str(d) not in reminded] + ["expired"]
        await publish(session, CredentialExpired(credential.id, policy.cam_channel), at)
    else:
        owed = [d for d in policy.reminders if d >= days_left and str(d) not in reminded]
        reminded += [str(d) for d in owed]
        if owed:
            await publish(session, CredentialExpiring(credential.id, days_left), at)
    credential.reminded = reminded
    credential.due_at = next_due(credential, policy)
    await session.flush()
    return 1


async def lapsed_agreement(session: AsyncSession, partner_id: int, today: dt.date) -> str | None:
    """The kind of an agreement of this partner that has expired and not been renewed, if any."""
    return await session.scalar(
        select(Credential.kind)
        .where(Credential.partner_id == partner_id, Credential.category == "agreement", Credential.expires_on < today)
        .limit(1)
    )


def sweeps(policy: HealthPolicy) -> tuple[Sweep, ...]:
    async def run(ctx: SweepContext) -> int:
        return await drain_due(ctx, Credential.due_at, lambda s, i: remind(s, i, ctx.at, policy), batch=500)

    return (Sweep("health_compliance_reminders", run),)
