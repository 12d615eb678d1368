"""Owners' votes (业主表决): the household roll, votes with a copy of the roll, and hash-chained ballots.

owner_households is the roll staff import (area in hundredths of a square metre, the owner, a one-time
claim code); owner_votes a vote with its chain's anchor, head and final hash; owner_vote_roll the roll as
it stood when the vote opened; owner_ballots the append-only ballot entries.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owner_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("room", sa.String(length=16), nullable=False),
        sa.Column("area_centi", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(length=64), nullable=False),
        sa.Column("owner_key", sa.String(length=80), nullable=False),
        sa.Column("owner_tg_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("claim_code", sa.String(length=16), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "unit", "room", name="uq_owner_households_place"),
        sa.UniqueConstraint("claim_code"),
    )
    op.create_index("ix_owner_households_owner", "owner_households", ["owner_tg_id"])
    op.create_table(
        "owner_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("matter", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.Column("head_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("final_hash", sa.String(length=64), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"]),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_owner_votes_status_closes", "owner_votes", ["status", "closes_at"])
    op.create_table(
        "owner_vote_roll",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("area_centi", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["owner_households.id"]),
        sa.ForeignKeyConstraint(["vote_id"], ["owner_votes.id"]),
        sa.PrimaryKeyConstraint("vote_id", "household_id"),
    )
    op.create_table(
        "owner_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("voter_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("entered_by", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["owner_households.id"]),
        sa.ForeignKeyConstraint(["vote_id"], ["owner_votes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "seq", name="uq_owner_ballots_seq"),
    )
    op.create_index("ix_owner_ballots_household", "owner_ballots", ["vote_id", "household_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_owner_ballots_household", table_name="owner_ballots")
    op.drop_table("owner_ballots")
    op.drop_table("owner_vote_roll")
    op.drop_index("ix_owner_votes_status_closes", table_name="owner_votes")
    op.drop_table("owner_votes")
    op.drop_index("ix_owner_households_owner", table_name="owner_households")
    op.drop_table("owner_households")
