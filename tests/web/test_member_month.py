"""The month grid of a coach's page (issue 19 item 3): what the server gives the calendar that
stands beside the chosen day's slots from 768 px (the phone keeps the day list, CSS decides).

The small gym: coach Lena (Berlin) works Mon–Fri 09:00–12:00 in 60-minute slots, members book up
to 56 days ahead with 2 hours' notice; the clock is pinned at Monday 2027-03-15 13:00 Berlin
(today's slots are over), so the last bookable day is Monday 10 May.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from member_helpers import HX, at
from member_helpers import ava_fixture as ava_fixture  # the ava fixture
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture
from test_statement_counts import SLOT_PAGE_FIRST_VIEW, statements


def _html(client, url: str, status: int = 200, headers=None) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _cells(html: str) -> dict[str, str]:
    """Each day cell of the grid by its date: the cell's (or its link's) markup."""
    grid = re.search(r'<table class="month-grid" role="grid".*?</table>', html, re.S).group(0)
    cells = {}
    for td in re.findall(r'<td class="month-day.*?</td>', grid, re.S):
        cells[re.search(r'data-date="([0-9-]+)"', td).group(1)] = td
    return cells


def _marked(html: str) -> dict[str, str]:
    """The days the grid marks as having free times: date → accessible name."""
    return {
        day: re.search(r'class="visually-hidden">([^<]+)<', td).group(1)
        for day, td in _cells(html).items()
        if "month-open" in td
    }


def _weekdays(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d.isoformat() for d in days if d.weekday() < 5]


def test_the_grid_marks_exactly_the_days_with_free_times(ava, gym):
    from coachapp.services import availability, bookings

    bookings.book_one_time(
        gym.ben, gym.coach.id, at("2027-03-17", "10:00"), at("2027-03-17", "11:00")
    )
    availability.create_blocked_slot(
        gym.admin, gym.coach.id, at("2027-03-18", "09:00"), at("2027-03-18", "12:00"), "Away"
    )
    html = _html(ava, f"/book/{gym.coach.id}")
    assert '<h2 id="month-title" class="month-title" aria-live="polite">March 2027</h2>' in html
    assert 'role="grid" aria-labelledby="month-title"' in html
    marked = _marked(html)
    want = [d for d in _weekdays("2027-03-16", "2027-03-31") if d != "2027-03-18"]
    assert sorted(marked) == want
    assert marked["2027-03-16"] == "Tuesday 16 March, 3 free times"
    assert marked["2027-03-17"] == "Wednesday 17 March, 2 free times"
    cells = _cells(html)
    assert len(cells) == 31
    # Days that cannot be chosen say why, are not links and are marked disabled.
    assert "Monday 1 March, past" in cells["2027-03-01"]
    assert "Monday 15 March, no free times" in cells["2027-03-15"]  # today: the slots are over
    assert "Thursday 18 March, no free times" in cells["2027-03-18"]
    assert "Saturday 20 March, no free times" in cells["2027-03-20"]
    for day in ("2027-03-01", "2027-03-15", "2027-03-18", "2027-03-20"):
        assert 'aria-disabled="true"' in cells[day] and "<a " not in cells[day]
    assert 'aria-current="date"' in cells["2027-03-15"]
    # A marked day is a link to the coach page from that day; htmx swaps the grid and the list.
    link = re.search(r"<a [^>]*>", cells["2027-03-23"]).group(0)
    assert f'href="/book/{gym.coach.id}?date=2027-03-23"' in link
    assert f'hx-get="/book/{gym.coach.id}/month?date=2027-03-23"' in link
    assert f'hx-push-url="/book/{gym.coach.id}?date=2027-03-23"' in link
    assert 'hx-target="#booking"' in link


def test_without_a_date_the_first_day_with_free_times_is_chosen_and_the_one_tab_stop(ava, gym):
    html = _html(ava, f"/book/{gym.coach.id}")
    cells = _cells(html)
    assert 'aria-selected="true"' in cells["2027-03-16"]
    assert [d for d, td in cells.items() if 'tabindex="0"' in td] == ["2027-03-16"]
    assert sum('aria-selected="true"' in td for td in cells.values()) == 1
    # The phone's list still starts today; the chosen day is the one the laptop's pane shows.
    days = re.findall(r'<section class="day[^"]*">\s*<h2>([^<]+)</h2>', html)
    assert days[0] == "Mon 15 Mar" and len(days) == 7
    assert re.search(r'<section class="day day-chosen">\s*<h2>Tue 16 Mar</h2>', html)
    assert "css/month." in html and "js/month_grid." in html


def test_a_date_deep_link_chooses_that_day(ava, gym):
    html = _html(ava, f"/book/{gym.coach.id}?date=2027-03-23")
    cells = _cells(html)
    assert 'aria-selected="true"' in cells["2027-03-23"]
    assert [d for d, td in cells.items() if 'tabindex="0"' in td] == ["2027-03-23"]
    # The list (the phone's page) starts at that day, and the day is the chosen one.
    days = re.findall(r'<section class="day[^"]*">\s*<h2>([^<]+)</h2>', html)
    assert days[0] == "Tue 23 Mar"
    assert re.search(r'<section class="day day-chosen">\s*<h2>Tue 23 Mar</h2>', html)
    # The parts that refresh themselves keep the choice.
    for part in ("month", "slot-list"):
        refresh = re.search(rf'<div id="{part}"[^>]* hx-get="([^"]+)"', html).group(1)
        assert "from=2027-03-23" in refresh and "date=2027-03-23" in refresh


def test_a_day_without_free_times_can_be_linked_and_says_so(ava, gym):
    html = _html(ava, f"/book/{gym.coach.id}?date=2027-03-20")  # a Saturday
    assert 'aria-selected="true"' in _cells(html)["2027-03-20"]
    assert re.search(
        r'<section class="day day-empty day-chosen">\s*<h2>Sat 20 Mar</h2>\s*<p class="none muted">No free times',
        html,
    )


def test_the_month_fragment_swaps_the_grid_and_the_list(ava, gym):
    html = _html(ava, f"/book/{gym.coach.id}/month?date=2027-04-06", headers=HX)
    assert "<html" not in html and 'id="sheet"' not in html
    assert html.lstrip().startswith('<div id="booking" class="booking">')
    assert "April 2027" in html and 'id="slot-list"' in html
    assert 'aria-selected="true"' in _cells(html)["2027-04-06"]
    # Without htmx it is the coach page itself.
    page = _html(ava, f"/book/{gym.coach.id}/month?date=2027-04-06")
    assert "<html" in page and 'id="sheet"' in page


def test_month_links_stay_between_this_month_and_the_booking_horizon(ava, gym):
    march = _html(ava, f"/book/{gym.coach.id}")
    assert 'data-month="prev"' not in march  # nothing before this month
    assert f'href="/book/{gym.coach.id}?date=2027-04-01" hx-get' in march
    assert 'aria-label="Next month, April 2027"' in march
    april = _html(ava, f"/book/{gym.coach.id}?date=2027-04-01")
    # Back to March lands on today, not on a past day.
    assert f'href="/book/{gym.coach.id}?date=2027-03-15"' in april
    assert 'aria-label="Previous month, March 2027"' in april
    may = _html(ava, f"/book/{gym.coach.id}?date=2027-05-03")
    assert 'data-month="next"' not in may  # June is beyond the 56 days
    marked = _marked(may)
    assert max(marked) == "2027-05-10"  # the last bookable day
    assert "Tuesday 11 May, not bookable yet" in _cells(may)["2027-05-11"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("tomorrow", "The date must be a day written YYYY-MM-DD"),
        ("2027-02-30", "The date must be a day written YYYY-MM-DD"),
        ("9999-12-31", "The date must be a day written YYYY-MM-DD"),
        ("0001-01-01", "The date must be a day written YYYY-MM-DD"),
        ("2027-03-14", "The date Sun 14 Mar 2027 has passed; here is today."),
        (
            "2027-05-11",
            "The date Tue 11 May 2027 is beyond the last day you can book, Mon 10 May 2027",
        ),
        ("2029-03-20", "is beyond the last day you can book"),
    ],
)
def test_a_bad_date_is_refused_inline_naming_the_field(ava, gym, value, words):
    html = _html(ava, f"/book/{gym.coach.id}?date={value}", status=422)
    assert re.search(r'<p class="notice notice-bad booking-error" role="alert">The date ', html)
    assert words in html
    assert "March 2027" in html and 'id="slot-list"' in html  # today's page, as without a date
    fragment = _html(ava, f"/book/{gym.coach.id}/month?date={value}", status=422, headers=HX)
    assert words in fragment and "<html" not in fragment


def test_the_month_costs_no_statement_per_day(ava, gym):
    """The grid's counts come from the same slot search as the list (one search over the month
    and the list's days); only a list grown far past the month ("More days" up to 91 days) makes
    the month a search of its own: two, never one per day."""
    ava = SimpleNamespace(app=ava.application, get=ava.get)  # what statements() reads
    base = statements(ava, f"/book/{gym.coach.id}")
    assert len(base) <= SLOT_PAGE_FIRST_VIEW, base
    assert len(statements(ava, f"/book/{gym.coach.id}?date=2027-04-20")) == len(base)
    assert len(statements(ava, f"/book/{gym.coach.id}/month?date=2027-05-03")) == len(base)
    long_list = statements(ava, f"/book/{gym.coach.id}?from=2027-03-31&days=91&date=2027-03-16")
    assert len(long_list) <= len(base) + 2, long_list
