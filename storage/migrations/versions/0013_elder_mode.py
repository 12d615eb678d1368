"""Elderly menu (长辈模式): whether a person's private menu shows the four large buttons.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("elder_mode", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("elder_mode")
