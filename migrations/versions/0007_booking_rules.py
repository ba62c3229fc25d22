"""booking rules per coach: booking horizon and minimum notice

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 12:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing coaches get the defaults (8 weeks ahead, 2 hours' notice) from the server defaults.
    with op.batch_alter_table("coach_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "booking_horizon_days", sa.Integer(), server_default=sa.text("56"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "min_notice_minutes", sa.Integer(), server_default=sa.text("120"), nullable=False
            )
        )
        batch_op.create_check_constraint(
            "booking_horizon_days",
            "booking_horizon_days >= 1 AND booking_horizon_days <= 730",
        )
        batch_op.create_check_constraint(
            "min_notice_minutes",
            "min_notice_minutes >= 0 AND min_notice_minutes <= 10080",
        )


def downgrade() -> None:
    with op.batch_alter_table("coach_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_coach_settings_min_notice_minutes"), type_="check")
        batch_op.drop_constraint(op.f("ck_coach_settings_booking_horizon_days"), type_="check")
        batch_op.drop_column("min_notice_minutes")
        batch_op.drop_column("booking_horizon_days")
