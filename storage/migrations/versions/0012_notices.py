"""Notices (通知): staff notices, their copies per group with the outbox row of each, and 收到 acks.

notices holds the text, targets, options and the sender's progress message; notice_deliveries one row per
target chat (the outbox row that sends it, the message id once sent, its state); notice_acks one 收到 per
person per notice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("building_ids", sa.JSON(), nullable=False),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("ask_ack", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_chat_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("progress_text", sa.String(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_status", "notices", ["status", "id"])
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_title", sa.String(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "chat_id", name="uq_notice_deliveries_chat"),
    )
    op.create_index("ix_notice_deliveries_state", "notice_deliveries", ["notice_id", "state"])
    op.create_table(
        "notice_acks",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"]),
        sa.PrimaryKeyConstraint("notice_id", "user_id"),
    )
    op.create_index("ix_notice_acks_building", "notice_acks", ["notice_id", "building_id"])


def downgrade() -> None:
    op.drop_index("ix_notice_acks_building", table_name="notice_acks")
    op.drop_table("notice_acks")
    op.drop_index("ix_notice_deliveries_state", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_index("ix_notices_status", table_name="notices")
    op.drop_table("notices")
