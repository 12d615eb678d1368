"""Workflow: ticket states and their history, assignment, rating, anonymity, deadlines, outbox claims.

Existing tickets get no deadlines; they are not escalated retroactively.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:21:03.218339
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("assignee_id", sa.BigInteger(), autoincrement=False, nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rejection_reason", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("after_photo_file_id", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("rating_comment", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("accept_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("accept_alerts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("resolve_alerts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_tickets_accept_due_at"), ["accept_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_resolve_due_at"), ["resolve_due_at"], unique=False)
        batch_op.create_foreign_key("fk_tickets_assignee_id", "users", ["assignee_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tickets_assignee_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tickets_resolve_due_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_accept_due_at"))
        batch_op.drop_column("resolve_alerts")
        batch_op.drop_column("accept_alerts")
        batch_op.drop_column("resolve_due_at")
        batch_op.drop_column("accept_due_at")
        batch_op.drop_column("rated_at")
        batch_op.drop_column("rating_comment")
        batch_op.drop_column("rating")
        batch_op.drop_column("after_photo_file_id")
        batch_op.drop_column("rejection_reason")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("anonymous")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")

    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    op.drop_table("job_runs")
