"""Login, password change and API token forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange

from ..services.accounts import MAX_PASSWORD, MIN_PASSWORD
from ..services.tokens import DEFAULT_DAYS, MAX_DAYS


class LoginForm(FlaskForm):
    """Email and password; 'remember me' keeps the login across browser restarts."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in")
    submit = SubmitField("Log in")


class PasswordForm(FlaskForm):
    """Change one's own password: the current one, and the new one twice."""

    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Current password: enter the password you log in with.")],
    )
    new_password = PasswordField(
        "New password",
        validators=[
            InputRequired("New password: enter a new password."),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=f"New password: use {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
            ),
        ],
    )
    new_password_again = PasswordField(
        "Repeat new password",
        validators=[InputRequired("Repeat new password: enter the new password again.")],
    )


DAYS_MESSAGE = f"Valid for: a whole number of days from 1 to {MAX_DAYS}."


class DaysField(IntegerField):
    """A number of days whose parse error names the field like its range error does."""

    def process_formdata(self, valuelist):
        """Parse as IntegerField does, with the field's own message on junk."""
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(DAYS_MESSAGE) from exc


class TokenForm(FlaskForm):
    """A new API token and how many days it lasts."""

    expires_days = DaysField(
        "Valid for (days)",
        default=DEFAULT_DAYS,
        validators=[InputRequired(DAYS_MESSAGE), NumberRange(min=1, max=MAX_DAYS,
                                                             message=DAYS_MESSAGE)],
    )
