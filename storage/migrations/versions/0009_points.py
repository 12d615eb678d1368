"""Points (积分): an append-only, hash-chained double-entry ledger with balances, redemptions and awards.

points_entries is the ledger (never updated or deleted), points_head the chain's end that every append
locks, points_balances and points_monthly the balances and monthly earnings written with each entry;
redemptions and pending_awards hold what waits for staff. users.rank_by_name is the resident's choice to
appear by name on /rank.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("rank_by_name", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "points_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("from_account", sa.String(length=32), nullable=False),
        sa.Column("to_account", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=96), nullable=True),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=48), nullable=True),
        sa.Column("granted_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("approved_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_points_entries_user", "points_entries", ["user_id", "id"])
    op.create_index("ix_points_entries_user_rule", "points_entries", ["user_id", "rule", "created_at"])
    op.create_index("ix_points_entries_building", "points_entries", ["building_id", "created_at"])
    op.create_index("ix_points_entries_giver", "points_entries", ["granted_by", "user_id", "created_at"])
    op.create_index("ix_points_entries_created", "points_entries", ["created_at"])
    op.create_table(
        "points_monthly",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "building_id", "user_id"),
    )
    op.create_index("ix_points_monthly_rank", "points_monthly", ["month", "building_id", "earned"])
    head = op.create_table(
        "points_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "points_balances",
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reward", sa.String(length=32), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("hold_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_redemptions_reward_status", "redemptions", ["reward", "status"])
    op.create_table(
        "pending_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("giver_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("pending_awards")
    op.drop_index("ix_redemptions_reward_status", table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_table("points_balances")
    op.drop_table("points_head")
    op.drop_index("ix_points_monthly_rank", table_name="points_monthly")
    op.drop_table("points_monthly")
    for name in (
        "ix_points_entries_created",
        "ix_points_entries_giver",
        "ix_points_entries_building",
        "ix_points_entries_user_rule",
    ):
        op.drop_index(name, table_name="points_entries")
    op.drop_index("ix_points_entries_user", table_name="points_entries")
    op.drop_table("points_entries")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("rank_by_name")
