"""Durable intake: the inbox of raw updates, leases for one-process roles, indexes for pruning and order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("chat_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("update_id"),
    )
    op.create_index("ix_inbox_work", "inbox", ["status", "chat_key", "id"])
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_outbox_chat", "outbox", ["chat_id", "status", "id"])
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_updates_processed_at", table_name="processed_updates")
    op.drop_index("ix_outbox_chat", table_name="outbox")
    op.drop_table("leases")
    op.drop_index("ix_inbox_received_at", table_name="inbox")
    op.drop_index("ix_inbox_work", table_name="inbox")
    op.drop_table("inbox")
