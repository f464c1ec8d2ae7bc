"""identities: a person's messenger accounts as rows (person, platform, external id)

The people file's user ids (formerly `people.slack_user_id` / `telegram_user_id`) and the linked
accounts (formerly `chat_identities`) become one table with a unique (platform, external_id), so a
fourth messenger is a row kind and a duplicate id is refused by the database. An imported id has no
chat and no `linked_at` until its account writes to the bot. `partners.slack_channel` becomes
`partners.cam_channel`, an address "platform:chat".

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The two platforms the old columns were named for; the new schema names none.
IMPORTED_COLUMNS = (("slack", "slack_user_id"), ("telegram", "telegram_user_id"))


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_identities_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_identities_platform")),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identities_person_id"), ["person_id"], unique=False)

    op.execute(
        "INSERT INTO identities (person_id, platform, external_id, chat_id, username, linked_at, created_at) "
        "SELECT person_id, platform, user_id, chat_id, username, linked_at, linked_at FROM chat_identities"
    )
    for platform, column in IMPORTED_COLUMNS:
        # The import refused an id given to two people; should an older database hold one anyway, the
        # first person keeps it, and an id someone already linked stays theirs.
        op.execute(
            "INSERT INTO identities (person_id, platform, external_id, created_at) "
            f"SELECT MIN(p.id), '{platform}', p.{column}, MIN(p.created_at) FROM people p "
            f"WHERE p.{column} IS NOT NULL AND p.{column} <> '' AND NOT EXISTS ("
            f"SELECT 1 FROM identities i WHERE i.platform = '{platform}' AND i.external_id = p.{column}) "
            f"GROUP BY p.{column}"
        )

    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_identities_person_id"))
    op.drop_table("chat_identities")
    # Native ALTER TABLE, never batch mode: on SQLite a batch rebuild drops the old table, and with
    # foreign keys on that deletes (or nulls) every row that refers to it: identities, outbox, leads …
    op.execute("ALTER TABLE people DROP COLUMN telegram_user_id")
    op.execute("ALTER TABLE people DROP COLUMN slack_user_id")

    op.execute("ALTER TABLE partners ADD COLUMN cam_channel VARCHAR(120)")
    op.execute(
        "UPDATE partners SET cam_channel = 'slack:' || slack_channel "
        "WHERE slack_channel IS NOT NULL AND slack_channel <> ''"
    )
    op.execute("ALTER TABLE partners DROP COLUMN slack_channel")


def downgrade() -> None:
    op.execute("ALTER TABLE partners ADD COLUMN slack_channel VARCHAR(100)")
    op.execute("UPDATE partners SET slack_channel = SUBSTR(cam_channel, 7) WHERE cam_channel LIKE 'slack:%'")
    op.execute("ALTER TABLE partners DROP COLUMN cam_channel")

    op.execute("ALTER TABLE people ADD COLUMN slack_user_id VARCHAR(32)")
    op.execute("ALTER TABLE people ADD COLUMN telegram_user_id VARCHAR(32)")
    op.create_table(
        "chat_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_chat_identities_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_identities")),
        sa.UniqueConstraint("platform", "user_id", name=op.f("uq_chat_identities_platform")),
    )
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_identities_person_id"), ["person_id"], unique=False)
    op.execute(
        "INSERT INTO chat_identities (person_id, platform, user_id, chat_id, username, linked_at) "
        "SELECT person_id, platform, external_id, chat_id, username, linked_at FROM identities "
        "WHERE linked_at IS NOT NULL AND chat_id IS NOT NULL"
    )
    for platform, column in IMPORTED_COLUMNS:
        op.execute(
            f"UPDATE people SET {column} = (SELECT MIN(i.external_id) FROM identities i "
            f"WHERE i.person_id = people.id AND i.platform = '{platform}' AND i.linked_at IS NULL)"
        )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identities_person_id"))
    op.drop_table("identities")
