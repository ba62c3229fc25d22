"""Half-open intervals of time and the set arithmetic availability is made of."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta, tzinfo
from itertools import chain

from .clock import UTC
from .errors import ValidationError


def to_utc(value: object, what: str, field: str | None = None) -> datetime:
    """``value`` as a UTC instant; a naive or non-datetime ``what`` is a ``ValidationError``.

    The core never guesses a zone: an instant without one could be hours off.
    """
    if not isinstance(value, datetime):
        raise ValidationError(f"The {what} must be a date and time, not {value!r}.", field)
    if value.utcoffset() is None:
        raise ValidationError(f"The {what} {value.isoformat()} has no time zone.", field)
    return value.astimezone(UTC)


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """The instants from ``start`` up to but not including ``end``, ``start`` before ``end``.

    Both ends must be aware datetimes and keep the zone they were given in (for display).
    ``start_utc`` and ``end_utc`` are the same instants in UTC; equality, order and hashing use
    them, so two intervals are equal when they cover the same instants, whatever the zones, and the
    repeated hour of an autumn fold compares correctly. Half-open intervals that merely touch do
    not overlap: a session ending at 10:00 leaves 10:00 free.
    """

    start: datetime = dataclass_field(compare=False)
    end: datetime = dataclass_field(compare=False)
    start_utc: datetime = dataclass_field(init=False, repr=False)
    end_utc: datetime = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        start_utc = to_utc(self.start, "start", "start_time")
        end_utc = to_utc(self.end, "end", "end_time")
        if not start_utc < end_utc:
            raise ValidationError(
                f"The end {self.end.isoformat()} must be after the start {self.start.isoformat()}.",
                "end_time",
            )
        object.__setattr__(self, "start_utc", start_utc)
        object.__setattr__(self, "end_utc", end_utc)

    @classmethod
    def _trusted(
        cls, start: datetime, end: datetime, start_utc: datetime, end_utc: datetime
    ) -> Interval:
        """Build without checks, for ends the core has already computed and ordered."""
        self = object.__new__(cls)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "start_utc", start_utc)
        object.__setattr__(self, "end_utc", end_utc)
        return self

    @classmethod
    def from_utc(cls, start_utc: datetime, end_utc: datetime, tz: tzinfo) -> Interval:
        """The interval between two UTC instants, shown in ``tz``."""
        return cls._trusted(start_utc.astimezone(tz), end_utc.astimezone(tz), start_utc, end_utc)

    @property
    def duration(self) -> timedelta:
        """How long the interval lasts in real time (an autumn-fold hour counts twice)."""
        return self.end_utc - self.start_utc

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share at least one instant (touching is not overlapping)."""
        return self.start_utc < other.end_utc and other.start_utc < self.end_utc

    def contains(self, other: Interval | datetime) -> bool:
        """Whether ``other`` (an interval or an instant) lies wholly inside this interval."""
        if isinstance(other, datetime):
            instant = to_utc(other, "instant")
            return self.start_utc <= instant < self.end_utc
        return self.start_utc <= other.start_utc and other.end_utc <= self.end_utc

    def astimezone(self, tz: tzinfo) -> Interval:
        """The same instants with both ends shown in ``tz``."""
        return Interval._trusted(
            self.start_utc.astimezone(tz), self.end_utc.astimezone(tz), self.start_utc, self.end_utc
        )


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """An existing session that occupies the coach's time; ``session_id`` says which one."""

    interval: Interval
    session_id: str | None = None


IntervalLike = Interval | BusyInterval


def as_interval(item: object) -> Interval:
    """The ``Interval`` of an interval or of anything holding one as ``.interval``."""
    if isinstance(item, Interval):
        return item
    inner = getattr(item, "interval", None)
    if isinstance(inner, Interval):
        return inner
    raise TypeError(f"expected an Interval, got {item!r}")


def in_zone(instant_utc: datetime, zone: tzinfo | None) -> datetime:
    """A UTC instant shown in ``zone``."""
    return instant_utc if zone is UTC or zone is None else instant_utc.astimezone(zone)


def _piece(owner: Interval, start_utc: datetime, end_utc: datetime) -> Interval:
    """A part of ``owner``'s span, shown in ``owner``'s zone, reusing its ends where they fit."""
    if start_utc == owner.start_utc:
        start = owner.start
    else:
        start = in_zone(start_utc, owner.start.tzinfo)
    if end_utc == owner.end_utc:
        end = owner.end
    else:
        end = in_zone(end_utc, owner.start.tzinfo)
    return Interval._trusted(start, end, start_utc, end_utc)


def _sort_key(interval: Interval) -> tuple[datetime, datetime]:
    return interval.start_utc, interval.end_utc


def merged(intervals: Iterable[object]) -> list[Interval]:
    """``normalize`` as a list, for callers in the core that go on working on it."""
    items = sorted((as_interval(item) for item in intervals), key=_sort_key)
    out: list[Interval] = []
    i, n = 0, len(items)
    while i < n:
        first = items[i]
        end_owner = first
        end_utc = first.end_utc
        j = i + 1
        while j < n and items[j].start_utc <= end_utc:
            if items[j].end_utc > end_utc:
                end_owner = items[j]
                end_utc = end_owner.end_utc
            j += 1
        if end_owner is first:
            out.append(first)
        else:
            end = end_owner.end
            if end.tzinfo is not first.start.tzinfo:
                end = in_zone(end_utc, first.start.tzinfo)
            out.append(Interval._trusted(first.start, end, first.start_utc, end_utc))
        i = j
    return out


def normalize(intervals: Iterable[IntervalLike]) -> tuple[Interval, ...]:
    """The same instants as sorted, disjoint intervals, overlapping or touching ones merged.

    Every set operation of the core answers in this form, so two answers can be compared directly.
    A merged interval is shown in the zone of its earliest part.
    """
    return tuple(merged(intervals))


def union(a: Iterable[IntervalLike], b: Iterable[IntervalLike]) -> tuple[Interval, ...]:
    """The instants in ``a`` or in ``b``, normalized."""
    return normalize(chain(a, b))


def subtract(a: Iterable[IntervalLike], b: Iterable[IntervalLike]) -> tuple[Interval, ...]:
    """The instants of ``a`` that are not in ``b``, normalized, shown in ``a``'s zones.

    This is how a blocked slot takes time out of the weekly template.
    """
    keep = merged(a)
    cut = merged(b)
    out: list[Interval] = []
    j, m = 0, len(cut)
    for piece in keep:
        cursor = piece.start_utc
        end = piece.end_utc
        while j < m and cut[j].end_utc <= cursor:
            j += 1
        k = j
        while k < m and cut[k].start_utc < end:
            if cut[k].start_utc > cursor:
                out.append(_piece(piece, cursor, cut[k].start_utc))
            cursor = max(cursor, cut[k].end_utc)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            out.append(_piece(piece, cursor, end))
    return tuple(out)


def intersect(a: Iterable[IntervalLike], b: Iterable[IntervalLike]) -> tuple[Interval, ...]:
    """The instants in both ``a`` and ``b``, normalized, shown in ``a``'s zones."""
    left = merged(a)
    right = merged(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        x, y = left[i], right[j]
        start = max(x.start_utc, y.start_utc)
        end = min(x.end_utc, y.end_utc)
        if start < end:
            out.append(_piece(x, start, end))
        if x.end_utc <= y.end_utc:
            i += 1
        else:
            j += 1
    return tuple(out)


def covers(intervals: Iterable[IntervalLike], interval: Interval) -> bool:
    """Whether ``interval`` lies wholly inside the union of ``intervals``.

    Touching intervals count as one, so a session may span two back-to-back windows.
    """
    return Timeline(intervals).covers(interval.start_utc, interval.end_utc)


class Timeline:
    """Sorted, disjoint intervals kept as UTC bounds for fast overlap and coverage questions."""

    __slots__ = ("intervals", "starts", "ends")

    def __init__(self, intervals: Iterable[object]):
        self.intervals = merged(intervals)
        self.starts = [interval.start_utc for interval in self.intervals]
        self.ends = [interval.end_utc for interval in self.intervals]

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def overlaps(self, start_utc: datetime, end_utc: datetime) -> bool:
        """Whether ``[start_utc, end_utc)`` shares an instant with the timeline."""
        i = bisect_right(self.ends, start_utc)
        return i < len(self.starts) and self.starts[i] < end_utc

    def covers(self, start_utc: datetime, end_utc: datetime) -> bool:
        """Whether ``[start_utc, end_utc)`` lies wholly inside one interval of the timeline."""
        i = bisect_right(self.starts, start_utc) - 1
        return i >= 0 and self.ends[i] >= end_utc
