"""The admin pages' forms: the shape of the input (an email, a zone from the list, 8+ characters);
the rules that need the database (a free email, a known room) are the services', and their
``DomainError.field`` names the input to mark."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..errors import sentence
from ..services.errors import DomainError
from ..services.zones import known_zones

PASSWORD_HELP = "At least 8 characters. Tell the person; they can log in with it at once."


def optional_int(value: object) -> int | None:
    """A select's value as an id, or None for the blank choice (bad text stays None: not a choice)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1  # never one of the choices, so the field reports "Not a valid choice"


class ZoneField(SelectField):
    """A select of IANA zones (``zones.zone_list``) that says so when the value sent is no zone;
    a known zone not offered (a legacy name such as ``US/Eastern``) is accepted, as everywhere."""

    def pre_validate(self, form) -> None:
        """Refuse a value that is no known zone, with a message a person understands."""
        if self.data and self.data not in known_zones():
            raise ValidationError("Choose a time zone from the list.")


class AccountForm(FlaskForm):
    """What every new account needs."""

    email = EmailField(
        "Email", validators=[DataRequired("Enter an email address."), Email(), Length(max=254)]
    )
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Enter a password."),
            Length(min=8, max=200, message="Use between 8 and 200 characters."),
        ],
        description=PASSWORD_HELP,
    )

    FIELDS = {"email": "email", "name": "name", "password": "password", "timezone": "timezone"}
    """Service error fields → form fields."""

    def add_error(self, exc: DomainError) -> None:
        """Show a service refusal next to the input it names (or on the form when none)."""
        text = sentence(exc)
        target = getattr(self, self.FIELDS.get(exc.field or "", ""), None)
        if target is None:
            self.form_errors.append(text)
        else:
            target.errors = [*target.errors, text]


class CoachForm(AccountForm):
    """A new coach: their account, the zone their weekly hours are read in, a default room."""

    timezone = ZoneField("Time zone", validators=[DataRequired("Choose a time zone.")])
    default_room = SelectField("Default room", coerce=optional_int, validators=[Optional()])

    FIELDS = {**AccountForm.FIELDS, "default_room_id": "default_room"}

    def set_choices(self, zones: list[str], rooms: list[tuple[int, str]], gym_zone: str) -> None:
        """Fill the selects (before validating); a fresh form starts in the gym's zone."""
        self.timezone.choices = [(z, z) for z in zones]
        if not self.timezone.data:
            self.timezone.data = gym_zone
        self.default_room.choices = [(None, "No default room"), *rooms]


class MemberForm(AccountForm):
    """A new member; the time zone is optional (blank: the gym's zone)."""

    timezone = ZoneField("Time zone", validators=[Optional()])

    def set_choices(self, zones: list[str], gym_zone: str) -> None:
        """Fill the zone select, with a blank first choice meaning the gym's zone."""
        self.timezone.choices = [("", f"The gym's zone ({gym_zone})"), *((z, z) for z in zones)]


class RoomForm(FlaskForm):
    """A new room."""

    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])

    def add_error(self, exc: DomainError) -> None:
        """Show a service refusal next to the name."""
        self.name.errors = [*self.name.errors, sentence(exc)]
