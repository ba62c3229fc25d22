"""memberships and credit packs: plans, members' memberships, the credit a session or place holds

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 14:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SESSION_TYPES = "'ONE_TO_ONE', 'GROUP'"

# Frozen copy of the overlap triggers (coachapp.models at this revision); SQLite drops a table's
# triggers with it, and batch mode rebuilds training_sessions.
_OVERLAP_BODY = """
BEGIN
    SELECT RAISE(ABORT, 'ex_training_sessions_coach_overlap') WHERE EXISTS (
        SELECT 1 FROM training_sessions t
        WHERE t.status = 'scheduled' AND t.coach_id = NEW.coach_id {same_row}
          AND t.start_time < NEW.end_time AND t.end_time > NEW.start_time);
    SELECT RAISE(ABORT, 'ex_training_sessions_room_overlap') WHERE NEW.room_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM training_sessions t
        WHERE t.status = 'scheduled' AND t.room_id = NEW.room_id {same_row}
          AND t.start_time < NEW.end_time AND t.end_time > NEW.start_time);
END"""

SQLITE_TRIGGERS = (
    "CREATE TRIGGER trg_training_sessions_overlap_insert BEFORE INSERT ON training_sessions "
    "WHEN NEW.status = 'scheduled'" + _OVERLAP_BODY.format(same_row=""),
    "CREATE TRIGGER trg_training_sessions_overlap_update "
    "BEFORE UPDATE OF status, start_time, end_time, coach_id, room_id ON training_sessions "
    "WHEN NEW.status = 'scheduled'" + _OVERLAP_BODY.format(same_row="AND t.id <> NEW.id"),
)


def upgrade() -> None:
    op.create_table(
        "membership_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("weekly_limit", sa.Integer(), nullable=True),
        sa.Column("session_type", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('credits', 'unlimited')", name=op.f("ck_membership_plans_kind")
        ),
        sa.CheckConstraint(
            "(kind = 'credits' AND credits IS NOT NULL AND credits >= 1) OR "
            "(kind <> 'credits' AND credits IS NULL)",
            name=op.f("ck_membership_plans_credits_iff_kind_credits"),
        ),
        sa.CheckConstraint(
            "valid_days >= 1 AND valid_days <= 3650", name=op.f("ck_membership_plans_valid_days")
        ),
        sa.CheckConstraint(
            "weekly_limit IS NULL OR weekly_limit >= 1",
            name=op.f("ck_membership_plans_weekly_limit"),
        ),
        sa.CheckConstraint(
            f"session_type IS NULL OR session_type IN ({SESSION_TYPES})",
            name=op.f("ck_membership_plans_session_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plans")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("credits_total", sa.Integer(), nullable=True),
        sa.Column("credits_used", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        # The credits can never go below zero nor beyond the pack, whatever the concurrency.
        sa.CheckConstraint(
            "credits_used >= 0", name=op.f("ck_memberships_credits_used_not_negative")
        ),
        sa.CheckConstraint(
            "credits_total IS NULL OR credits_used <= credits_total",
            name=op.f("ck_memberships_credits_used_at_most_total"),
        ),
        sa.CheckConstraint(
            "credits_total IS NULL OR credits_total >= 0", name=op.f("ck_memberships_credits_total")
        ),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_memberships_ends_on_after_starts_on")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'expired', 'cancelled')", name=op.f("ck_memberships_status")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_memberships_member_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["membership_plans.id"],
            name=op.f("fk_memberships_plan_id_membership_plans"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_member_ends", "memberships", ["member_id", "ends_on"])
    op.create_index("ix_memberships_ends_on", "memberships", ["ends_on"])
    op.add_column("recurring_bookings", sa.Column("membership_gap_since", sa.Date(), nullable=True))

    # bookings.membership_id was a free-text column nothing wrote: it becomes a reference to the
    # membership whose credit the booking holds (no value to carry over).
    with op.batch_alter_table("bookings", schema=None) as batch:
        batch.drop_column("membership_id")
    for table in ("training_sessions", "bookings"):
        _add_membership_reference(table)


def _add_membership_reference(table: str) -> None:
    """Add ``table.membership_id`` referencing memberships (ON DELETE SET NULL) and its index.
    SQLite rebuilds the table for the reference (batch mode): training_sessions' overlap triggers
    are dropped with it and made again."""
    index = "ix_bookings_membership" if table == "bookings" else "ix_training_sessions_membership"

    def swap(batch):
        batch.add_column(sa.Column("membership_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            f"fk_{table}_membership_id_memberships",
            "memberships",
            ["membership_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(index, ["membership_id"], unique=False)

    _rebuild(table, swap)


def _rebuild(table: str, swap) -> None:
    """Run ``swap(batch)`` on ``table``; on SQLite keep training_sessions' triggers."""
    triggers = op.get_bind().dialect.name == "sqlite" and table == "training_sessions"
    if triggers:
        op.execute("DROP TRIGGER IF EXISTS trg_training_sessions_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS trg_training_sessions_overlap_update")
    with op.batch_alter_table(table, schema=None) as batch:
        swap(batch)
    if triggers:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    for table, index in (
        ("bookings", "ix_bookings_membership"),
        ("training_sessions", "ix_training_sessions_membership"),
    ):

        def swap(batch, table=table, index=index):
            batch.drop_index(index)
            batch.drop_constraint(f"fk_{table}_membership_id_memberships", type_="foreignkey")
            batch.drop_column("membership_id")

        _rebuild(table, swap)
    with op.batch_alter_table("bookings", schema=None) as batch:
        batch.add_column(sa.Column("membership_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("recurring_bookings", schema=None) as batch:
        batch.drop_column("membership_gap_since")

    op.drop_index("ix_memberships_ends_on", table_name="memberships")
    op.drop_index("ix_memberships_member_ends", table_name="memberships")
    op.drop_table("memberships")
    op.drop_table("membership_plans")
