"""weekly times: check HH:MM digit by digit (minutes 00-59, hours 00-24, at most 24:00)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:50:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("weekly_availability", "recurring_bookings")


def _old(column: str) -> str:
    return (
        f"length({column}) = 5 AND {column} >= '00:00' AND {column} <= '24:00' "
        f"AND {column} LIKE '__:__'"
    )


def _new(column: str) -> str:
    digit = "BETWEEN '0' AND '9'"
    return (
        f"length({column}) = 5 AND substr({column}, 1, 1) BETWEEN '0' AND '2' "
        f"AND substr({column}, 2, 1) {digit} AND substr({column}, 3, 1) = ':' "
        f"AND substr({column}, 4, 1) BETWEEN '0' AND '5' AND substr({column}, 5, 1) {digit} "
        f"AND {column} <= '24:00'"
    )


def _swap(check) -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in ("start_time", "end_time"):
                name = op.f(f"ck_{table}_{column}_format")
                batch.drop_constraint(name, type_="check")
                batch.create_check_constraint(name, check(column))


def upgrade():
    _swap(_new)


def downgrade():
    _swap(_old)
