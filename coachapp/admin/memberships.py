"""The admin's membership pages: the plans the gym sells (``/admin/plans``: list and create) and a
member's memberships (``/admin/members/<id>/memberships``: assign one from a date, extend, cancel).

They follow the other admin pages: without JavaScript a form posts and is redirected back
(post-redirect-get), a refused one comes back whole with its errors next to the fields (422); with
htmx the form or the list replaces itself. Cancelling takes a confirmation step: the first post
shows what it means and asks again, only a post with ``confirmed=1`` cancels. The rules are the
service's (``services.memberships``); its refusals name the field they are about.
"""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..errors import sentence
from ..services import admin, memberships
from ..services.errors import DomainError, NotFound
from ..vocab import PlanKind, Role, SessionType
from ..web import page, wants_fragment
from . import bp
from .forms import optional_int
from .routes import LIST_CHANGED, see_other

KINDS = [
    SelectChoice(PlanKind.CREDITS.value, "A pack of credits"),
    SelectChoice(PlanKind.UNLIMITED.value, "Unlimited"),
]
COVERS = [
    SelectChoice("", "One-to-one sessions and group classes"),
    SelectChoice(SessionType.ONE_TO_ONE.value, "One-to-one sessions only"),
    SelectChoice(SessionType.GROUP.value, "Group classes only"),
]


def _number(value: object) -> int | None:
    """A typed whole number (``optional_int`` reads a choice; this an input): None when blank."""
    return None if value in (None, "") else value  # type: ignore[return-value]


class PlanForm(FlaskForm):
    """A plan: its name, a pack of credits or unlimited, how long it lasts, an optional weekly
    limit and what it covers."""

    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    kind = SelectField("Kind", choices=KINDS, default=PlanKind.CREDITS.value)
    credits = IntegerField(
        "Credits",
        validators=[
            Optional(),
            NumberRange(1, memberships.MAX_CREDITS, f"Use 1 to {memberships.MAX_CREDITS} credits."),
        ],
        description="Sessions the pack holds (one per session). Leave empty for unlimited.",
    )
    valid_days = IntegerField(
        "Valid for (days)",
        validators=[
            InputRequired("Enter how many days it lasts."),
            NumberRange(1, 3650, "Use 1 to 3650 days."),
        ],
    )
    weekly_limit = IntegerField(
        "Sessions per week at most",
        validators=[Optional(), NumberRange(1, 100, "Use 1 to 100, or leave it empty.")],
        description="Monday to Sunday. Leave empty for no limit.",
    )
    session_type = SelectField("Covers", choices=COVERS, default="")

    FIELDS = ("name", "kind", "credits", "valid_days", "weekly_limit", "session_type")

    def add_error(self, exc: DomainError) -> None:
        """Show a service refusal next to the input it names (or above the form)."""
        target = getattr(self, exc.field, None) if exc.field in self.FIELDS else None
        if target is None:
            self.form_errors.append(sentence(exc))
        else:
            target.errors = [*target.errors, sentence(exc)]


class AssignForm(FlaskForm):
    """A plan to give the member, from a date."""

    plan = SelectField("Plan", coerce=optional_int, validators=[DataRequired("Choose a plan.")])
    starts_on = DateField(
        "Starts on", validators=[DataRequired("Enter the first day (YYYY-MM-DD).")]
    )

    def add_error(self, exc: DomainError) -> None:
        """Show a service refusal next to the plan or the date."""
        target = self.plan if exc.field == "plan_id" else self.starts_on
        target.errors = [*target.errors, sentence(exc)]


class ExtendForm(FlaskForm):
    """Days to add to one membership."""

    membership = HiddenField()
    days = IntegerField(
        "Days",
        validators=[
            InputRequired("Enter a number of days."),
            NumberRange(1, 3650, "Use 1 to 3650."),
        ],
    )


# --- plans --------------------------------------------------------------------------------------


def _plans_page(form: PlanForm, status: int = 200, events=(), block="list", **context):
    return page(
        "admin/plans.html",
        block,
        status,
        events,
        plans=memberships.list_plans(),
        form=form,
        **context,
    )


@bp.get("/plans")
def plans():
    """Every membership plan, and the form to add one."""
    return _plans_page(PlanForm())


@bp.post("/plans")
def create_plan():
    """Add a plan; errors come back next to their fields (422) with what was typed."""
    form = PlanForm()
    if form.validate_on_submit():
        kind = form.kind.data
        try:
            plan = memberships.create_plan(
                current_user,
                form.name.data,
                kind,
                _number(form.credits.data) if kind == PlanKind.CREDITS else None,
                form.valid_days.data,
                _number(form.weekly_limit.data),
                form.session_type.data or None,
            )
        except DomainError as exc:
            form.add_error(exc)
        else:
            message = f"Plan {plan.name} added: assign it from a member's memberships."
            if not wants_fragment():
                flash(message, "success")
                return see_other("admin.plans")
            return _plans_page(
                PlanForm(formdata=None), 200, (LIST_CHANGED,), "create_form", created=message
            )
    return _plans_page(form, 422, block="create_form")


# --- a member's memberships ---------------------------------------------------------------------


def _member(user_id: int):
    member = admin.get_user(current_user, user_id)
    if member.role != Role.MEMBER:
        raise NotFound(f"There is no member with id {user_id}.")
    return member


def _assign_form(**kwargs) -> AssignForm:
    form = AssignForm(**kwargs)
    form.plan.choices = [SelectChoice("", "Choose a plan")] + [
        SelectChoice(p.id, _plan_label(p)) for p in memberships.list_plans()
    ]
    if form.starts_on.data is None and not form.starts_on.raw_data:
        form.starts_on.data = memberships.today()
    return form


def _plan_label(plan) -> str:
    size = f"{plan.credits} credits" if plan.kind == PlanKind.CREDITS else "unlimited"
    week = f", {plan.weekly_limit} a week" if plan.weekly_limit else ""
    return f"{plan.name} ({size}{week}, {plan.valid_days} days)"


def _memberships_page(
    user_id: int,
    form: AssignForm | None = None,
    status: int = 200,
    events=(),
    block: str | None = "list",
    **context,
):
    member = _member(user_id)
    today = memberships.today()
    rows = memberships.for_member(current_user, member.id)
    return page(
        "admin/member_memberships.html",
        block,
        status,
        events,
        member=member,
        rows=[(m, memberships.status_on(m, today)) for m in rows],
        balance=memberships.balance(member.id, today),
        form=form or _assign_form(formdata=None),
        extend=context.pop("extend", None),
        confirming=context.pop("confirming", None),
        **context,
    )


@bp.get("/members/<int:user_id>/memberships", endpoint="memberships")
def memberships_page(user_id: int):
    """A member's memberships (newest first) with their balance, and the form to assign one."""
    return _memberships_page(user_id)


def _done(user_id: int, message: str, block: str = "list", **context):
    """After a change: the refreshed list (htmx) or the page again (post-redirect-get)."""
    if not wants_fragment():
        flash(message, "success")
        return see_other("admin.memberships", user_id=user_id)
    return _memberships_page(user_id, block=block, notice=message, **context)


@bp.post("/members/<int:user_id>/memberships")
def assign_membership(user_id: int):
    """Give the member a membership of a plan from a date; errors next to the fields (422)."""
    member = _member(user_id)
    form = _assign_form()
    if form.validate_on_submit():
        try:
            membership = memberships.assign(
                current_user, member.id, form.plan.data, form.starts_on.data
            )
        except DomainError as exc:
            form.add_error(exc)
        else:
            if not wants_fragment():
                flash(_assigned(member, membership), "success")
                return see_other("admin.memberships", user_id=user_id)
            return _memberships_page(
                user_id,
                _assign_form(formdata=None),
                200,
                (LIST_CHANGED,),
                "assign_form",
                created=_assigned(member, membership),
            )
    return _memberships_page(user_id, form, 422, block="assign_form")


def _assigned(member, membership) -> str:
    return (
        f"{member.name} has {membership.plan.name} from {membership.starts_on:%-d %b %Y} "
        f"until {membership.ends_on:%-d %b %Y}."
    )


def _own_membership(user_id: int, value: object):
    """The member's membership named by a form's ``membership`` (404 for anyone else's)."""
    member = _member(user_id)
    wanted = optional_int(value)
    for membership in memberships.for_member(current_user, member.id):
        if membership.id == wanted:
            return membership
    raise NotFound("There is no such membership of this member.")


@bp.post("/members/<int:user_id>/memberships/extend")
def extend_membership(user_id: int):
    """Move a membership's last day later by some days; a bad number comes back next to it."""
    form = ExtendForm()
    membership = _own_membership(user_id, form.membership.data)
    error = None
    if form.validate_on_submit():
        try:
            memberships.extend(current_user, membership.id, form.days.data)
        except DomainError as exc:
            error = sentence(exc)
            status = exc.status
        else:
            return _done(
                user_id, f"{membership.plan.name} now lasts until {membership.ends_on:%-d %b %Y}."
            )
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
        status = 422
    return _memberships_page(
        user_id,
        status=status,
        block="list" if wants_fragment() else None,
        extend={"id": membership.id, "days": request.form.get("days", ""), "error": error},
    )


@bp.post("/members/<int:user_id>/memberships/cancel")
def cancel_membership(user_id: int):
    """First post: what cancelling means, and the button that confirms it. A post with
    ``confirmed=1``: cancel (no new session draws on it; booked ones keep their credits)."""
    membership = _own_membership(user_id, request.form.get("membership"))
    block = "list" if wants_fragment() else None
    if request.form.get("confirmed") != "1":
        return _memberships_page(user_id, block=block, confirming=membership.id)
    try:
        memberships.cancel(current_user, membership.id)
    except DomainError as exc:
        return _memberships_page(user_id, status=exc.status, block=block, error=sentence(exc))
    return _done(user_id, f"{membership.plan.name} is cancelled.")
