"""Staff numbers at 100,000 tickets: indexes for /stats, /tickets and exports; exports queued off the lock.

The indexes match /stats and the /tickets filters and the export's history order; pending_exports holds
the exports waiting to be built outside the update's transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TICKET_INDEXES = {
    "ix_tickets_created_counts": ["created_at", "status", "category", "building_id"],
    "ix_tickets_accepted": ["accepted_at", "status", "created_at"],
    "ix_tickets_resolved": ["resolved_at", "status", "created_at"],
    "ix_tickets_rated": ["rated_at", "rating"],
    "ix_tickets_status_accept_due": ["status", "accept_due_at"],
    "ix_tickets_status_resolve_due": ["status", "resolve_due_at"],
    "ix_tickets_building_status": ["building_id", "status", "id"],
    "ix_tickets_category_status": ["category", "status", "id"],
    "ix_tickets_assignee_status": ["assignee_id", "status", "id"],
    "ix_tickets_urgent_status": ["urgent", "status", "id"],
}


def upgrade() -> None:
    for name, columns in TICKET_INDEXES.items():
        op.create_index(name, "tickets", columns)
    op.create_index("ix_ticket_events_ticket_at", "ticket_events", ["ticket_id", "at", "id"])
    op.create_table(
        "pending_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reply_to", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("csv", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_outbox_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_exports_open", "pending_exports", ["done_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_pending_exports_open", table_name="pending_exports")
    op.drop_table("pending_exports")
    op.drop_index("ix_ticket_events_ticket_at", table_name="ticket_events")
    for name in reversed(TICKET_INDEXES):
        op.drop_index(name, table_name="tickets")
