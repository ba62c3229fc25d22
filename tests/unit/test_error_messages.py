"""A domain error carries a plain message and a field; each face words it (coachapp.errors)."""

from __future__ import annotations

from coachapp.errors import sentence, with_field
from coachapp.services.errors import NotFound, SlotTaken, TooSoon, ValidationFailed


def test_the_api_names_the_field_of_an_input_error_first():
    exc = ValidationFailed("the end must be after the start.", field="end_time")
    assert with_field(exc) == "end_time: the end must be after the start."
    assert with_field(NotFound("no account for a@b.c", field="email")) == (
        "email: no account for a@b.c"
    )
    assert with_field(ValidationFailed("The request body is not valid JSON.")) == (
        "The request body is not valid JSON."
    )


def test_a_conflict_is_a_sentence_of_its_own_field_or_not():
    exc = TooSoon(
        "Lena needs 2 hours' notice; the earliest you can book is 11:00.", field="start_time"
    )
    assert with_field(exc) == exc.message
    assert with_field(SlotTaken("10:00 is already booked.")) == "10:00 is already booked."


def test_a_page_shows_the_capitalised_message_without_the_field():
    assert sentence(ValidationFailed("give the class a title.", field="title")) == (
        "Give the class a title."
    )
    assert sentence(ValidationFailed("title: give the class a title.", field="title")) == (
        "Give the class a title."
    )
    assert with_field(ValidationFailed("title: give the class a title.", field="title")) == (
        "title: give the class a title."
    )
