"""key recurring sessions by their occurrence, so a moved session keeps it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copy of the overlap triggers (coachapp.models at revision 0001); SQLite drops a table's
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


def _rebuild(swap):
    """Run ``swap(batch)`` on training_sessions; on SQLite re-create the triggers afterwards."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS trg_training_sessions_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS trg_training_sessions_overlap_update")
    with op.batch_alter_table("training_sessions") as batch:
        swap(batch)
    if sqlite:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def upgrade():
    op.add_column(
        "training_sessions", sa.Column("occurrence_start", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE training_sessions SET occurrence_start = start_time "
        "WHERE recurring_booking_id IS NOT NULL"
    )

    def swap(batch):
        batch.drop_constraint("uq_training_sessions_occurrence", type_="unique")
        batch.create_unique_constraint(
            "uq_training_sessions_occurrence", ["recurring_booking_id", "occurrence_start"]
        )
        batch.create_check_constraint(
            op.f("ck_training_sessions_occurrence_key"),
            "recurring_booking_id IS NULL OR occurrence_start IS NOT NULL",
        )

    _rebuild(swap)
    op.create_index(
        "ix_training_sessions_coach_occurrence",
        "training_sessions",
        ["coach_id", "occurrence_start"],
    )


def downgrade():
    op.drop_index("ix_training_sessions_coach_occurrence", table_name="training_sessions")

    def swap(batch):
        batch.drop_constraint(op.f("ck_training_sessions_occurrence_key"), type_="check")
        batch.drop_constraint("uq_training_sessions_occurrence", type_="unique")
        batch.create_unique_constraint(
            "uq_training_sessions_occurrence", ["recurring_booking_id", "start_time"]
        )
        batch.drop_column("occurrence_start")

    _rebuild(swap)
