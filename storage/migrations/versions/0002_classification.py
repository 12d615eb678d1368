"""Classification: sort state, urgency, holds, followers, re-sorts.

Existing tickets become confidently sorted, not urgent, with nothing matched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:12:24.128992
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reclassifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("old_category", sa.String(length=32), nullable=False),
        sa.Column("new_category", sa.String(length=32), nullable=False),
        sa.Column("by_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("by_role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reclassifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reclassifications_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "user_id", name="uq_follower_ticket_user"),
    )
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_followers_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sort_state", sa.String(length=16), nullable=False, server_default="auto")
        )
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("matched", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("urgent_words", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("location", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_held_until"), ["held_until"], unique=False)
        batch_op.create_foreign_key("fk_tickets_duplicate_of", "tickets", ["duplicate_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tickets_duplicate_of", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tickets_held_until"))
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("held_until")
        batch_op.drop_column("location")
        batch_op.drop_column("urgent_words")
        batch_op.drop_column("urgent")
        batch_op.drop_column("matched")
        batch_op.drop_column("confidence")
        batch_op.drop_column("sort_state")

    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_followers_ticket_id"))

    op.drop_table("ticket_followers")
    with op.batch_alter_table("reclassifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reclassifications_ticket_id"))

    op.drop_table("reclassifications")
