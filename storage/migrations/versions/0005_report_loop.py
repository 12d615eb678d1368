"""Report loop: who writes in which group, private copies on request, the bot's delete right per group.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_members",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("chat_id", "user_id"),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("private_notices", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("chats") as batch:
        batch.add_column(
            sa.Column("can_delete_messages", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    op.drop_table("chat_members")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("can_delete_messages")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("private_notices")
