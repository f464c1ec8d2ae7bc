"""Migration 0006 moves every messenger identity of a demo-program database into `identities`.

The demo program is loaded at head, given linked chats and imported ids, taken back to 0005 (the old
columns and `chat_identities`), seeded there with what only the old schema could hold (one id imported
for two people, an imported id someone else had linked), and brought up again: nothing is lost and
the database refuses a duplicate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.demo import load_demo
from bot.importer import import_file
from domain.migrate import alembic_config, upgrade
from domain.models import Identity, Partner, Person
from domain.people import attach_identity, by_email
from tests.conftest import Clock

Row = tuple[str, str, str, str | None, bool]


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: object) -> None:
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def _identities(app: App) -> set[Row]:
    async with app.uow.reader() as uow:
        rows = await uow.session.execute(
            select(Person.email, Identity.platform, Identity.external_id, Identity.chat_id, Identity.linked_at).join(
                Person, Person.id == Identity.person_id
            )
        )
        return {
            (email, platform, external, chat, linked is not None) for email, platform, external, chat, linked in rows
        }


async def test_identities_survive_the_migration_on_the_demo_program(app: App, clock: Clock, tmp_path: Path) -> None:
    await load_demo(app)
    async with app.uow() as uow:
        session = uow.session
        ana = await by_email(session, "ana@acme.example")
        arno = await by_email(session, "arno@acme.example")
        assert ana is not None and arno is not None
        for person, platform, user in ((ana, "console", "ana"), (ana, "telegram", "7001"), (arno, "slack", "U0ARNO")):
            await attach_identity(
                session, person, platform=platform, user_id=user, chat_id=f"c-{user}", username=None, now=clock()
            )
        await uow.commit()
    people = "\n".join(
        [
            "email,name,role,partner_id,slack_user_id,telegram_user_id,timezone,language",
            "ana@acme.example,Ana Schmidt,partner_rep,P-ACME,U0ANA,,,",
            "arno@acme.example,Arno Weber,partner_admin,P-ACME,,7002,,",
        ]
    )
    path = tmp_path / "people.csv"
    path.write_text(people + "\n", encoding="utf-8")
    result, errors = await import_file(app, "people", path, skip_invalid=False)
    assert result is not None and not errors, errors
    async with app.uow() as uow:
        acme = (await uow.session.scalars(select(Partner).where(Partner.external_id == "P-ACME"))).one()
        acme.cam_channel = "slack:C0ACME"
        await uow.commit()
    before = await _identities(app)
    assert ("ana@acme.example", "slack", "U0ANA", None, False) in before
    assert ("arno@acme.example", "slack", "U0ARNO", "c-U0ARNO", True) in before

    await _downgrade(app.engine, "0005")
    try:
        async with app.engine.begin() as conn:
            old = dict((await conn.execute(text("SELECT email, telegram_user_id FROM people"))).all())
            assert old["arno@acme.example"] == "7002" and old["ana@acme.example"] is None
            channel = await conn.scalar(text("SELECT slack_channel FROM partners WHERE external_id = 'P-ACME'"))
            assert channel == "C0ACME"
            # What only the old schema could hold: one id imported for two people, and an imported id
            # that another person had already linked.
            await conn.execute(
                text(
                    "UPDATE people SET slack_user_id = 'U0TWICE' "
                    "WHERE email IN ('ben@globex.example', 'carla.cam@vendor.example')"
                )
            )
            await conn.execute(text("UPDATE people SET telegram_user_id = '7001' WHERE email = 'arno@acme.example'"))
    finally:
        await upgrade(app.engine)

    after = await _identities(app)
    moved = before - {("arno@acme.example", "telegram", "7002", None, False)}
    assert moved <= after
    assert ("ana@acme.example", "telegram", "7001", "c-7001", True) in after  # the linked account stays Ana's
    twice = {row for row in after if row[2] == "U0TWICE"}
    assert len(twice) == 1 and next(iter(twice))[0] in {"ben@globex.example", "carla.cam@vendor.example"}
    async with app.uow.reader() as uow:
        acme = (await uow.session.scalars(select(Partner).where(Partner.external_id == "P-ACME"))).one()
        assert acme.cam_channel == "slack:C0ACME"

    async with app.uow() as uow:
        ben = await by_email(uow.session, "ben@globex.example")
        assert ben is not None
        uow.session.add(Identity(person_id=ben.id, platform="slack", external_id="U0ARNO"))
        with pytest.raises(IntegrityError):
            await uow.session.flush()
