"""The booking sheet as a modal dialog (issue 19 item 1), what the server gives it: a <dialog>
(closed until a slot fills it; rendered open on the no-JS page of one slot), slots as buttons
that still work as links, the heading and the confirmation focusable for the script, and field
errors that the preview's answer clears out of band as soon as the field is valid again."""

from __future__ import annotations

import re

from member_helpers import HX, at, book_data, slot_query
from member_helpers import ava_fixture as ava_fixture  # the ava fixture
from member_helpers import small_gym_fixture as small_gym_fixture  # the gym fixture

SLOT = (at("2027-03-16", "10:00"), at("2027-03-16", "11:00"))


def _error_list(html: str, name: str) -> str:
    """The error list of field ``name`` (its element, as sent)."""
    found = re.search(rf'<div class="field-errors" id="{name}-error"[^>]*>.*?</div>', html, re.S)
    assert found, f"no error list for {name}"
    return found.group(0)


def test_the_coach_page_has_a_closed_dialog_and_slots_as_buttons(ava, gym):
    html = ava.get(f"/book/{gym.coach.id}").get_data(as_text=True)
    assert '<dialog id="sheet" class="sheet">' in html  # closed, no name until it has a heading
    assert "js/member_dialog." in html
    slot = re.search(r'<a class="slot[^"]*" href="([^"]+)" role="button"[^>]*>', html)
    assert slot, "a slot is a link (works without JavaScript) with the role of a button"
    assert f"/book/{gym.coach.id}/slot?start=" in slot.group(1)
    assert 'hx-target="#sheet"' in slot.group(0)


def test_without_javascript_the_sheet_is_the_page_of_its_slot(ava, gym):
    html = ava.get(f"/book/{gym.coach.id}/slot?{slot_query(*SLOT)}").get_data(as_text=True)
    assert '<dialog id="sheet" class="sheet" open aria-labelledby="sheet-title">' in html
    assert '<h2 id="sheet-title" tabindex="-1">Tue 16 Mar, 10:00–11:00</h2>' in html
    assert "Confirm booking" in html and 'id="slot-list"' in html


def test_the_sheet_fragment_has_a_heading_to_focus(ava, gym):
    html = ava.get(f"/book/{gym.coach.id}/slot?{slot_query(*SLOT)}", headers=HX).get_data(
        as_text=True
    )
    assert "<dialog" not in html  # htmx fills the dialog that is on the page
    assert '<h2 id="sheet-title" tabindex="-1">' in html
    # Both date fields carry an (empty) error list the preview can replace.
    assert _error_list(html, "start_date").endswith('"></div>')
    assert _error_list(html, "end_date").endswith('"></div>')
    assert 'aria-describedby="end_date-error"' in html


def test_the_confirmation_takes_focus_and_the_slot_list_refreshes(ava, gym):
    response = ava.post(f"/book/{gym.coach.id}/slot", data=book_data(*SLOT), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<p class="booked-title" role="status" tabindex="-1" data-focus>', html)
    assert response.headers["HX-Trigger"] == '{"slots-changed": true}'


def test_an_error_clears_on_the_preview_answer_once_the_field_is_valid(ava, gym):
    url = f"/book/{gym.coach.id}/preview"
    bad = ava.get(
        f"{url}?{slot_query(*SLOT, frequency='1', start_date='2027-03-23', end_date='2027-03-20')}",
        headers=HX,
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    errors = _error_list(html, "end_date")
    assert 'hx-swap-oob="true"' in errors
    assert "The end date must be on or after the start date." in errors
    # Beside the field (its description) and, announced, where the dates would be.
    assert re.search(r'<p class="error" role="alert">The end date must be on or after', html)
    good = ava.get(
        f"{url}?{slot_query(*SLOT, frequency='1', start_date='2027-03-23', end_date='2027-04-20')}",
        headers=HX,
    )
    html = good.get_data(as_text=True)
    assert good.status_code == 200
    assert "First sessions" in html  # the same answer shows the dates ...
    for name in ("start_date", "end_date"):  # ... and empties both error lists
        errors = _error_list(html, name)
        assert 'hx-swap-oob="true"' in errors and "<p" not in errors


def test_the_preview_page_without_javascript_has_no_out_of_band_parts(ava, gym):
    query = slot_query(*SLOT, frequency="1", start_date="2027-03-23", end_date="2027-03-20")
    html = ava.get(f"/book/{gym.coach.id}/preview?{query}").get_data(as_text=True)
    assert "<html" in html and "hx-swap-oob" not in html
    assert "The end date must be on or after the start date." in html
    assert html.count('id="end_date-error"') == 1


def test_the_move_sheet_uses_the_same_dialog(client, login, gym):
    from coachapp.services import bookings

    later = (at("2027-03-18", "10:00"), at("2027-03-18", "11:00"))  # outside the 24 h window
    _booking, session = bookings.book_one_time(gym.ava, gym.coach.id, *later)
    login(gym.ava)
    html = client.get(f"/me/sessions/{session.id}/move").get_data(as_text=True)
    assert '<dialog id="sheet" class="sheet" open aria-labelledby="sheet-title">' in html
    assert '<h2 id="sheet-title" tabindex="-1">Move ' in html
    assert re.search(r'<a class="slot[^"]*" href="[^"]+" role="button"', html)
    assert "js/member_dialog." in html
