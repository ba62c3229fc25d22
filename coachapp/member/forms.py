"""Forms of the member pages: booking a slot (once or repeating), cancelling and moving a session."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from .. import inputs

FREQUENCIES = [
    SelectChoice("once", "Just this once"),
    SelectChoice("1", "Every week"),
    SelectChoice("2", "Every 2 weeks"),
]


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant with an offset (as slot links carry) in the supported years, else None
    (``inputs.parse_instant``)."""
    return inputs.parse_instant(value)


PICK_AGAIN = "This is not a time we offered; pick a time again."


def _instant_to_move(form, field) -> None:
    if field.data and parse_instant(field.data) is None:
        raise ValidationError(PICK_AGAIN)


def _instant(form, field) -> None:
    if parse_instant(field.data) is None:
        raise ValidationError("This is not a time we offered; pick a slot again.")


class BookForm(FlaskForm):
    """Book one slot once, or every week / every 2 weeks from a start date to an optional end.

    ``previewed`` carries what the member last saw previewed (``frequency|start|end``): a
    recurring booking is made only once its first dates have been shown for exactly those values.
    """

    start = HiddenField(validators=[DataRequired(), _instant])
    end = HiddenField(validators=[DataRequired(), _instant])
    frequency = RadioField(
        "How often",
        choices=FREQUENCIES,
        default="once",
        validators=[InputRequired(message="Choose how often.")],
    )
    start_date = DateField("Starting", validators=[Optional()])
    end_date = DateField("Until (optional)", validators=[Optional()])
    previewed = HiddenField()

    @property
    def recurring(self) -> bool:
        """Whether a weekly or bi-weekly series is asked for."""
        return self.frequency.data in ("1", "2")

    def validate_end(self, field) -> None:
        """The slot must end after it starts."""
        start, end = parse_instant(self.start.data), parse_instant(field.data)
        if start and end and end <= start:
            raise ValidationError("This is not a time we offered; pick a slot again.")

    def validate_end_date(self, field) -> None:
        """A repeating booking cannot end before it starts."""
        if (
            self.recurring
            and field.data
            and self.start_date.data
            and field.data < self.start_date.data
        ):
            raise ValidationError("The end date must be on or after the start date.")

    def signature(self) -> str:
        """What a preview was shown for: frequency, start and end date."""

        def iso(value):
            return value.isoformat() if value else ""

        return f"{self.frequency.data}|{iso(self.start_date.data)}|{iso(self.end_date.data)}"


class CancelForm(FlaskForm):
    """Cancel one session, or (for a recurring booking) the series from one of its dates on."""

    scope = RadioField(
        "What to cancel",
        choices=[
            SelectChoice("one", "Only this session"),
            SelectChoice("series", "This and every later session"),
        ],
        default="one",
        validators=[InputRequired(message="Choose what to cancel.")],
    )
    from_date = SelectField("From", choices=[], validate_choice=False)

    def validate_from_date(self, field) -> None:
        """For a series, the date must be one of its upcoming session dates."""
        if self.scope.data != "series":
            return
        if field.data not in [choice.value for choice in field.choices]:
            raise ValidationError("Pick one of the listed dates.")


class MoveForm(FlaskForm):
    """Move one of my sessions to the picked time: its start and (the same length) its end."""

    start = HiddenField(validators=[DataRequired(message=PICK_AGAIN), _instant_to_move])
    end = HiddenField(validators=[Optional(), _instant_to_move])
