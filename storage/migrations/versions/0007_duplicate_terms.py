"""Duplicate terms: what the duplicate check needs of a report, stored with the ticket when it is filed.

Tickets filed before this have none; the duplicate check works them out from their text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("duplicate_terms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("duplicate_terms")
