"""Grid workers (网格员): one per building, and residents' requests to be called back.

grid_workers holds each building's grid worker (the building is the key, so a new one replaces the old);
callback_requests one row per 请网格员联系我 with the phone only once the resident shared it, at most one
open request per resident.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid_workers",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("set_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("building_id"),
    )
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("worker_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("copies", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_callback_requests_open",
        "callback_requests",
        ["resident_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_callback_requests_open", table_name="callback_requests")
    op.drop_table("callback_requests")
    op.drop_table("grid_workers")
