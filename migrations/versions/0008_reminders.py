"""reminders before each session: the reminders made, and the members' reminder-mail choice

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Everyone gets reminder mails until they turn them off on their account page.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_mails", sa.Boolean(), server_default=sa.text("true"), nullable=False
            )
        )

    # One row per reminder made: the unique key (session, member, kind, start) is what keeps two
    # concurrent runs from making it twice; a moved session has a new start and gets a new one.
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_reminders_sent_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_reminders_sent_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "session_id", "member_id", "kind", "starts_at", name="uq_reminders_sent_key"
        ),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminders_sent_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_member_id"))
    op.drop_table("reminders_sent")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("reminder_mails")
