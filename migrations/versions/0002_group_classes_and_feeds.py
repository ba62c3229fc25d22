"""group classes (series with title and capacity, waitlisted bookings) and calendar feed tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_STATUSES = "'CONFIRMED', 'CANCELLED_BY_MEMBER', 'CANCELLED_BY_COACH', 'NO_SHOW'"
NEW_STATUSES = "'CONFIRMED', 'WAITLISTED', 'CANCELLED_BY_MEMBER', 'CANCELLED_BY_COACH', 'NO_SHOW'"
ACTIVE = "status IN ('CONFIRMED', 'WAITLISTED')"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("feed_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_feed_token"), ["feed_token"])

    with op.batch_alter_table("recurring_bookings") as batch:
        batch.add_column(
            sa.Column("session_type", sa.String(length=12), server_default="ONE_TO_ONE", nullable=False)
        )
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("capacity", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch.create_check_constraint(
            op.f("ck_recurring_bookings_session_type"), "session_type IN ('ONE_TO_ONE', 'GROUP')"
        )
        batch.create_check_constraint(op.f("ck_recurring_bookings_capacity"), "capacity >= 1")
        batch.create_check_constraint(
            op.f("ck_recurring_bookings_member_unless_group"),
            "session_type = 'GROUP' OR member_id IS NOT NULL",
        )

    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status"), f"status IN ({NEW_STATUSES})")
    op.create_index(
        "uq_bookings_active_member",
        "bookings",
        ["session_id", "member_id"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )


def downgrade():
    op.drop_index("uq_bookings_active_member", table_name="bookings")
    op.execute("UPDATE bookings SET status = 'CANCELLED_BY_COACH' WHERE status = 'WAITLISTED'")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status"), f"status IN ({OLD_STATUSES})")

    op.execute("DELETE FROM recurring_bookings WHERE member_id IS NULL")
    with op.batch_alter_table("recurring_bookings") as batch:
        batch.drop_constraint(op.f("ck_recurring_bookings_member_unless_group"), type_="check")
        batch.drop_constraint(op.f("ck_recurring_bookings_capacity"), type_="check")
        batch.drop_constraint(op.f("ck_recurring_bookings_session_type"), type_="check")
        batch.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("capacity")
        batch.drop_column("title")
        batch.drop_column("session_type")

    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_feed_token"), type_="unique")
        batch.drop_column("feed_token")
