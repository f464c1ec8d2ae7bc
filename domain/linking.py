"""One-time link codes that tie a chat account to a person of the program."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput
from domain.i18n import N_
from domain.models import LinkCode, Person
from domain.people import attach_identity, by_email, by_id
from domain.sweeps import Sweep, SweepContext

CODE_VALIDITY = dt.timedelta(days=7)
LINK_REMINDER_AFTER = dt.timedelta(days=3)
# Telegram allows A-Za-z0-9_- in the start parameter; 24 url-safe characters carry 144 bits.
CODE_BYTES = 18


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime
    person_name: str


async def issue_code(session: AsyncSession, email: str, now: dt.datetime) -> IssuedCode:
    """Issue a fresh single-use code; older unused codes of that person stay valid until they expire."""
    person = await by_email(session, email)
    if person is None:
        raise InvalidInput(N_("Nobody with the email %(email)s is in the program."), email=email)
    code = secrets.token_urlsafe(CODE_BYTES)
    expires = now + CODE_VALIDITY
    session.add(LinkCode(code=code, person_id=person.id, created_at=now, expires_at=expires))
    if person.invited_at is None or person.linked_at is None:
        person.invited_at = person.invited_at or now
    return IssuedCode(code=code, expires_at=expires, person_name=person.name)


async def redeem_code(
    session: AsyncSession,
    code: str,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    now: dt.datetime,
) -> Person:
    """Spend a code: one conditional UPDATE, so two chats racing for one code cannot both win."""
    cleaned = code.strip()
    if not cleaned or len(cleaned) > 64:
        raise InvalidInput(N_("That link code is not valid. Ask your partner admin or CAM for a new one."))
    row = (await session.scalars(select(LinkCode).where(LinkCode.code == cleaned))).first()
    if row is None:
        raise InvalidInput(N_("That link code is not valid. Ask your partner admin or CAM for a new one."))
    if row.used_at is not None:
        raise InvalidInput(N_("That link code was already used. Ask for a new one if you need to link another chat."))
    if row.expires_at <= now or row.expired_at is not None:
        raise InvalidInput(N_("That link code has expired. Ask your partner admin or CAM for a new one."))
    result = await session.execute(
        update(LinkCode)
        .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(N_("That link code was already used. Ask for a new one if you need to link another chat."))
    person = await by_id(session, row.person_id)
    assert person is not None
    await attach_identity(
        session, person, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
    )
    return person


async def auto_link_by_email(
    session: AsyncSession,
    email: str,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    now: dt.datetime,
) -> Person | None:
    """Link a platform account whose verified email (Slack `users.info`) matches a person."""
    person = await by_email(session, email)
    if person is None:
        return None
    await attach_identity(
        session, person, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
    )
    return person


async def auto_link_by_import(
    session: AsyncSession, *, platform: str, user_id: str, chat_id: str, username: str | None, now: dt.datetime
) -> Person | None:
    """Link on first contact a person whose platform user id the operator imported (people file)."""
    column = {"slack": Person.slack_user_id, "telegram": Person.telegram_user_id}.get(platform)
    if column is None:
        return None
    person = (await session.scalars(select(Person).where(column == user_id))).first()
    if person is None:
        return None
    person = await by_id(session, person.id)
    assert person is not None
    await attach_identity(
        session, person, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
    )
    return person


def deep_link(bot_username: str | None, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


async def expire_link_codes(ctx: SweepContext) -> int:
    """Mark unused codes past their validity as expired, so they can be told apart from used ones."""
    async with ctx.uow() as uow:
        result = await uow.session.execute(
            update(LinkCode)
            .where(LinkCode.used_at.is_(None), LinkCode.expired_at.is_(None), LinkCode.expires_at <= ctx.at)
            .values(expired_at=ctx.at)
            .execution_options(synchronize_session=False)
        )
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _imported_address(person: Person) -> tuple[str, str] | None:
    """A chat the operator's people file gave us for someone who never wrote to the bot."""
    if person.slack_user_id:
        return "slack", person.slack_user_id
    if person.telegram_user_id:
        return "telegram", person.telegram_user_id
    return None


async def remind_unlinked(ctx: SweepContext) -> int:
    """Three days after an invitation, nudge the person where we can reach them, else their CAM."""
    from domain.outbox import enqueue
    from domain.people import cam_for_partner

    cutoff = ctx.at - LINK_REMINDER_AFTER
    count = 0
    async with ctx.uow() as uow:
        session = uow.session
        query = (
            select(Person)
            .where(Person.linked_at.is_(None), Person.link_reminded_at.is_(None), Person.invited_at <= cutoff)
            .order_by(Person.invited_at)
            .limit(1000)
        )
        for person in (await session.scalars(query)).all():
            # `invited_at <= cutoff` in the query excludes people never invited.
            assert person.invited_at is not None
            payload = {"name": person.name, "email": person.email, "invited_at": person.invited_at.isoformat()}
            key = f"link.reminder:{person.id}"
            address = _imported_address(person)
            if address is not None:
                await enqueue(
                    session,
                    key=key,
                    kind="link.reminder",
                    payload=payload,
                    person_id=person.id,
                    platform=address[0],
                    chat_id=address[1],
                    business_days_only=True,
                    now=ctx.at,
                )
            else:
                await session.refresh(person, ["partner"])
                cam = await cam_for_partner(session, person.partner)
                if cam is not None:
                    payload["partner"] = person.partner.name if person.partner else ""
                    await enqueue(
                        session,
                        key=key,
                        kind="link.reminder_cam",
                        payload=payload,
                        person_id=cam.id,
                        business_days_only=True,
                        now=ctx.at,
                    )
            person.link_reminded_at = ctx.at
            count += 1
        await uow.commit()
    return count


SWEEPS = (Sweep("link_codes_expired", expire_link_codes), Sweep("link_reminders", remind_unlinked))
