"""One-time link codes that tie a chat account to a person of the program."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.addresses import Address
from domain.db import UowFactory, transactional
from domain.errors import InvalidInput, NotAllowed
from domain.events import Event, notifies, publish
from domain.i18n import N_
from domain.models import LinkAttempt, LinkCode, Person
from domain.outbox import Push, enqueue_many
from domain.people import PersonView, attach_identity, by_email, by_id, identity, view_of
from domain.sweeps import Sweep, SweepContext

logger = logging.getLogger(__name__)

CODE_VALIDITY = dt.timedelta(days=7)
LINK_REMINDER_AFTER = dt.timedelta(days=3)
# Easy to type from a letter or read out on a call: no 0/O, 1/I/L look-alikes, case and dashes ignored.
# 31 characters, 10 long: about 2^49 codes, and a chat gets WRONG_ATTEMPTS wrong tries an hour (issue 17,
# item 4), so guessing a live code is out of reach. Deep-link start parameters allow these characters.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
WRONG_ATTEMPTS = 5
ATTEMPT_WINDOW = dt.timedelta(hours=1)
# Wrong codes within NEAR_DISTANCE characters of one live code, from any chats, before that code stops
# working: someone closing in on a code gets no more tries at it than a chat gets at all codes.
NEAR_MISSES = 3
NEAR_DISTANCE = 2


@dataclass(frozen=True)
class InvitationUnanswered(Event):
    """Invited three days ago and still not linked.

    `imported` is an account the operator's people file gave for them: a user id is the private chat's
    id on the messengers that take one; where the platform refuses a bot's first message, the outbox
    shows the person as not reachable yet.
    """

    person_id: int
    name: str
    email: str
    invited_at: dt.datetime
    imported: Address | None
    partner_name: str
    cam_email: str | None


@notifies(InvitationUnanswered)
async def remind_invited(session: AsyncSession, event: InvitationUnanswered, now: dt.datetime) -> int:
    """The person where an imported account reaches them, else their partner's CAM."""
    payload = {"name": event.name, "email": event.email, "invited_at": event.invited_at.isoformat()}
    key = f"link.reminder:{event.person_id}"
    if event.imported is not None:
        push = Push(
            key=key,
            kind="link.reminder",
            payload=payload,
            person_id=event.person_id,
            platform=event.imported.platform,
            chat_id=event.imported.chat_id,
            business_days_only=True,
        )
    else:
        cam = await by_email(session, event.cam_email) if event.cam_email else None
        if cam is None:
            return 0
        push = Push(
            key=key,
            kind="link.reminder_cam",
            payload={**payload, "partner": event.partner_name},
            person_id=cam.id,
            business_days_only=True,
        )
    return await enqueue_many(session, [push], now=now)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime
    person_name: str


async def issue_code(session: AsyncSession, email: str, now: dt.datetime, *, invites: bool = True) -> IssuedCode:
    """Issue a fresh single-use code; older unused codes of that person stay valid until they expire.

    `invites`: handing the code out invites the person (the link reminder counts from then); a code
    only put in a CAM's hands to pass on (`invitation_code`) does not, since the CAM may not use it."""
    person = await by_email(session, email)
    if person is None:
        raise InvalidInput(N_("Nobody with the email %(email)s is in the program."), email=email)
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + CODE_VALIDITY
    session.add(LinkCode(code=code, person_id=person.id, created_at=now, expires_at=expires))
    if invites and (person.invited_at is None or person.linked_at is None):
        person.invited_at = person.invited_at or now
    return IssuedCode(code=code, expires_at=expires, person_name=person.name)


async def invitation_code(session: AsyncSession, person: Person, now: dt.datetime) -> str:
    """A code to hand this person: one still valid for at least a day, else a fresh one, so that
    repeated alerts about the same person do not each mint a new credential."""
    live = await session.scalar(
        select(LinkCode.code)
        .where(
            LinkCode.person_id == person.id,
            LinkCode.used_at.is_(None),
            LinkCode.expired_at.is_(None),
            LinkCode.expires_at > now + dt.timedelta(days=1),
        )
        .order_by(LinkCode.expires_at.desc())
        .limit(1)
    )
    return live or (await issue_code(session, person.email, now, invites=False)).code


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
    typed = normal_code(cleaned)
    row = (await session.scalars(select(LinkCode).where(LinkCode.code.in_({cleaned, typed})))).first()
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


def normal_code(text: str) -> str:
    """As it was meant: `abcd efgh-23` is `ABCDEFGH23`."""
    return "".join(c for c in text.upper() if c not in " -_\t")


async def redeem(
    uow: UowFactory,
    code: str,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    now: dt.datetime,
) -> PersonView:
    """Spend a link code from this chat; a chat with WRONG_ATTEMPTS wrong codes in the last hour waits."""
    async with uow.reader() as reading:
        wrong = await reading.session.scalar(
            select(func.count())
            .select_from(LinkAttempt)
            .where(
                LinkAttempt.platform == platform, LinkAttempt.chat_id == chat_id, LinkAttempt.at > now - ATTEMPT_WINDOW
            )
        )
    if (wrong or 0) >= WRONG_ATTEMPTS:
        raise NotAllowed(
            N_("Too many wrong link codes from this chat. Wait an hour, or ask your admin for a new code.")
        )
    try:
        return await _redeem(uow, code, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now)
    except InvalidInput:
        async with uow() as writing:  # its own transaction: the refused redemption's was rolled back
            burned = await _record_wrong_code(writing.session, code, platform, chat_id, now)
            await writing.commit()
        if burned:
            raise InvalidInput(
                N_("That link code was typed wrongly too many times and no longer works. Ask for a new one.")
            ) from None
        raise


async def _record_wrong_code(session: AsyncSession, code: str, platform: str, chat_id: str, now: dt.datetime) -> bool:
    """Record a wrong code, against the live code it nearly matched if any; True when that code is now
    spent by near misses (it expires at once, so closing in on it leads nowhere)."""
    typed = normal_code(code.strip())[:64]
    live = (
        await session.execute(
            select(LinkCode.id, LinkCode.code).where(
                LinkCode.used_at.is_(None), LinkCode.expired_at.is_(None), LinkCode.expires_at > now
            )
        )
    ).all()
    near = next(
        (
            code_id
            for code_id, value in live
            if Levenshtein.distance(typed, value, score_cutoff=NEAR_DISTANCE) <= NEAR_DISTANCE
        ),
        None,
    )
    session.add(LinkAttempt(platform=platform, chat_id=chat_id, at=now, near_code_id=near))
    if near is None:
        return False
    await session.flush()
    misses = await session.scalar(select(func.count()).select_from(LinkAttempt).where(LinkAttempt.near_code_id == near))
    if (misses or 0) < NEAR_MISSES:
        return False
    await session.execute(update(LinkCode).where(LinkCode.id == near).values(expired_at=now))
    logger.warning("link code %s expired after %d near misses", near, misses)
    return True


@transactional
async def _redeem(
    session: AsyncSession,
    code: str,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    now: dt.datetime,
) -> PersonView:
    """Spend a link code from this chat (see `redeem_code`); the person now linked."""
    person = await redeem_code(
        session, code, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
    )
    await session.flush()
    await session.refresh(person, ["partner", "identities"])
    return view_of(person)


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
    """Link a platform account whose email the platform verified (its profile) to that person."""
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
    imported = await identity(session, platform, user_id)
    if imported is None or imported.linked_at is not None:
        return None
    person = await by_id(session, imported.person_id)
    assert person is not None
    await attach_identity(
        session, person, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
    )
    return person


async def link_on_first_contact(
    uow: UowFactory,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    username: str | None,
    email: str | None,
    now: dt.datetime,
) -> PersonView | None:
    """Someone unknown writes privately: link them if the operator imported this account for a person,
    or if the platform vouches for an email of the program. One transaction; None when neither."""
    async with uow() as work:
        person = await auto_link_by_import(
            work.session, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
        )
        if person is None and email:
            person = await auto_link_by_email(
                work.session, email, platform=platform, user_id=user_id, chat_id=chat_id, username=username, now=now
            )
        if person is None:
            return None
        await work.commit()
        logger.info("auto-linked %s user %s", platform, user_id)
        return view_of(person)


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


async def remind_unlinked(ctx: SweepContext) -> int:
    """Three days after an invitation, nudge the person where we can reach them, else their CAM."""
    cutoff = ctx.at - LINK_REMINDER_AFTER
    count = 0
    async with ctx.uow() as uow:
        session = uow.session
        query = (
            select(Person)
            .where(Person.linked_at.is_(None), Person.link_reminded_at.is_(None), Person.invited_at <= cutoff)
            .options(selectinload(Person.identities), selectinload(Person.partner))
            .order_by(Person.invited_at)
            .limit(1000)
        )
        for person in (await session.scalars(query)).all():
            # `invited_at <= cutoff` in the query excludes people never invited.
            assert person.invited_at is not None
            imported = [i for i in person.identities if i.linked_at is None]
            await publish(
                session,
                InvitationUnanswered(
                    person_id=person.id,
                    name=person.name,
                    email=person.email,
                    invited_at=person.invited_at,
                    imported=Address(imported[0].platform, imported[0].external_id) if imported else None,
                    partner_name=person.partner.name if person.partner else "",
                    cam_email=person.partner.cam_email if person.partner else None,
                ),
                ctx.at,
            )
            person.link_reminded_at = ctx.at
            count += 1
        await uow.commit()
    return count


SWEEPS = (Sweep("link_codes_expired", expire_link_codes), Sweep("link_reminders", remind_unlinked))
