"""The pure booking rules (``scheduling.booking_rules``): no app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from coachapp.scheduling.booking_rules import (
    BEYOND_HORIZON,
    TOO_SOON,
    BookingRules,
    horizon_words,
    notice_words,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin


def test_the_words_a_member_reads():
    assert horizon_words(56) == "8 weeks" and horizon_words(7) == "1 week"
    assert horizon_words(10) == "10 days" and horizon_words(1) == "1 day"
    assert notice_words(120) == "2 hours" and notice_words(90) == "1 hour 30 minutes"
    assert notice_words(1440) == "1 day" and notice_words(45) == "45 minutes"
    assert notice_words(0) == "0 minutes"


def test_notice_and_horizon_edges():
    rules = BookingRules(56, 120, BERLIN)
    assert rules.refusal(NOW + timedelta(minutes=119), NOW) == TOO_SOON
    assert rules.allows(NOW + timedelta(minutes=120), NOW)
    assert rules.last_day(NOW) == date(2027, 4, 26)
    assert rules.allows(datetime(2027, 4, 26, 23, 59, tzinfo=BERLIN), NOW)
    assert rules.refusal(datetime(2027, 4, 27, 0, 0, tzinfo=BERLIN), NOW) == BEYOND_HORIZON


@given(
    day_offset=st.integers(min_value=0, max_value=800),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    horizon_days=st.integers(min_value=1, max_value=730),
)
def test_booking_opens_at_midnight_of_the_day_minus_the_horizon(day_offset, minute, horizon_days):
    """A session on local date D is refused (beyond the horizon) until 00:00 of D − horizon in
    the coach's zone, and allowed from that instant on (no notice), across DST changes too."""
    rules = BookingRules(horizon_days, 0, BERLIN)
    day = date(2027, 1, 1) + timedelta(days=day_offset)
    start = datetime.combine(day, datetime.min.time(), BERLIN) + timedelta(minutes=minute)
    start = start.astimezone(UTC).astimezone(BERLIN)  # a real instant (the spring gap moves on)
    day = start.date()
    opens = rules.opens_at(day)
    assert rules.allows(start, opens)
    assert rules.refusal(start, opens - timedelta(microseconds=1)) == BEYOND_HORIZON


@given(
    now_minutes=st.integers(min_value=0, max_value=400 * 24 * 60),
    ahead_minutes=st.integers(min_value=-24 * 60, max_value=800 * 24 * 60),
    horizon_days=st.integers(min_value=1, max_value=730),
    notice=st.integers(min_value=0, max_value=10080),
)
def test_what_the_member_is_told_is_what_the_rule_decides(
    now_minutes, ahead_minutes, horizon_days, notice
):
    """The pages tell a member the earliest start ("the earliest you can book is …"), the last
    day and when booking opens for a day ("Booking opens Mon 7 Dec, 00:00"); a start is allowed
    exactly when it is on or after the earliest start and its day has opened, whatever the
    instant (DST changes in Berlin included), and a refusal names the rule that failed."""
    rules = BookingRules(horizon_days, notice, BERLIN)
    now = NOW + timedelta(minutes=now_minutes)
    start = now + timedelta(minutes=ahead_minutes)
    day = start.astimezone(BERLIN).date()
    opened = now >= rules.opens_at(day)
    assert opened == (day <= rules.last_day(now))
    early_enough = start >= rules.earliest_start(now)
    assert rules.allows(start, now) == (early_enough and opened)
    expected = (
        None if early_enough and opened else (TOO_SOON if not early_enough else BEYOND_HORIZON)
    )
    assert rules.refusal(start, now) == expected
