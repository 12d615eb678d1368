"""Notices with a photo or document, and notices sent at a set time (定时发送).

notices gains media_kind and media_file_id (the file Telegram already has, sent with the text as its
caption) and send_at (a scheduled notice waits in status 'scheduled' until then; nothing is queued
before).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot alter a table in place.
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("media_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("media_file_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("send_at")
        batch.drop_column("media_file_id")
        batch.drop_column("media_kind")
