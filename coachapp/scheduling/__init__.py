"""The scheduling core: when a coach can be booked, and which sessions a series makes.

Pure rules, no Flask and no SQLAlchemy: frozen dataclasses in, frozen dataclasses out, every
instant a time-zone-aware datetime, and the current time passed in, never read. Weekly times are
wall-clock minutes in the coach's zone, laid out per local date.
"""

from .clock import (
    DAY_NAMES,
    MINUTES_PER_DAY,
    UTC,
    day_of_week,
    format_hhmm,
    gap_days,
    is_gap_day,
    local_datetime,
    parse_hhmm,
)
from .conflicts import (
    IN_BLOCKED_SLOT,
    OUTSIDE_WEEKLY_TEMPLATE,
    Conflict,
    SessionSpan,
    find_conflicts,
)
from .errors import ValidationError
from .intervals import (
    BusyInterval,
    Interval,
    Timeline,
    as_interval,
    covers,
    intersect,
    normalize,
    subtract,
    to_utc,
    union,
)
from .materialize import (
    HORIZON_WEEKS,
    CoachCalendar,
    MaterializationPlan,
    PlannedSession,
    Unfinished,
    plan_materialization,
    unfinished_series,
)
from .recurrence import (
    Occurrence,
    RecurringSeries,
    first_occurrence_date,
    occurrence_dates,
    occurrence_interval,
    occurrence_ordinals,
    occurrences,
    series_collide,
    series_collision_dates,
    validate_series,
)
from .slots import bookable_slots
from .weekly import (
    WeeklyWindow,
    availability,
    expand_weekly,
    expand_weekly_windows,
    open_time,
    validate_windows,
)

__all__ = [
    "Unfinished",
    "occurrence_ordinals",
    "unfinished_series",
    "DAY_NAMES",
    "HORIZON_WEEKS",
    "IN_BLOCKED_SLOT",
    "MINUTES_PER_DAY",
    "OUTSIDE_WEEKLY_TEMPLATE",
    "UTC",
    "BusyInterval",
    "CoachCalendar",
    "Conflict",
    "Interval",
    "MaterializationPlan",
    "Occurrence",
    "PlannedSession",
    "RecurringSeries",
    "SessionSpan",
    "Timeline",
    "ValidationError",
    "WeeklyWindow",
    "as_interval",
    "availability",
    "bookable_slots",
    "covers",
    "day_of_week",
    "expand_weekly",
    "expand_weekly_windows",
    "open_time",
    "find_conflicts",
    "first_occurrence_date",
    "format_hhmm",
    "gap_days",
    "intersect",
    "is_gap_day",
    "local_datetime",
    "normalize",
    "occurrence_dates",
    "occurrence_interval",
    "occurrences",
    "parse_hhmm",
    "plan_materialization",
    "series_collide",
    "series_collision_dates",
    "subtract",
    "to_utc",
    "union",
    "validate_series",
    "validate_windows",
]
