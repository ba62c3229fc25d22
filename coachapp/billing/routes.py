"""Monthly statements: ``/admin/billing`` (every member, totals per member and per coach, drill-down
to a member or a coach), ``/coach/billing`` (a coach's own sessions), ``/me/billing`` (a member's
own statement), and the same as CSV (``….csv``) for the gym's accounting tool. The admin's page
also shows the credits each member used that month (and ``/admin/billing/credits.csv``, one line
per member and membership) and the memberships that end in the next 14 days.

``?month=YYYY-MM`` picks the month (default: this month in the gym's zone). The month picker's
links and form swap the statement with htmx and push the URL; they are plain links and a GET form
underneath. A month that is not one comes back as an inline message with 422, on the page and on
the CSV URL alike.
"""

from __future__ import annotations

from flask import make_response, request, url_for
from flask_login import current_user

from ..auth.decorators import roles_required
from ..errors import sentence
from ..services import admin, billing_export, memberships
from ..services.billing_export import Month
from ..services.errors import NotFound, ValidationFailed
from ..vocab import Role
from ..web import page
from . import bp

SCOPES = {
    Role.ADMIN: ("billing.admin_statements", "billing.admin_csv"),
    Role.COACH: ("billing.coach_billing", "billing.coach_csv"),
    Role.MEMBER: ("billing.my_billing", "billing.my_csv"),
}
"""Whose statement each page shows (the role that sees it): its page and CSV endpoints."""


def _filters(scope: str) -> tuple[dict, object, object]:
    """The admin's drill-down (``?member=ID`` or ``?coach=ID``): query args, member, coach."""
    if scope != Role.ADMIN:
        return {}, None, None
    member_id = billing_export.parse_id(request.args.get("member"), "member")
    coach_id = billing_export.parse_id(request.args.get("coach"), "coach")
    member = coach = None
    args: dict[str, int] = {}
    if member_id is not None:
        member = admin.get_user(current_user, member_id)
        if member.role != Role.MEMBER:
            raise NotFound(f"There is no member with id {member_id}.")
        args["member"] = member_id
    if coach_id is not None:
        coach = admin.get_user(current_user, coach_id)
        if coach.role != Role.COACH:
            raise NotFound(f"There is no coach with id {coach_id}.")
        args["coach"] = coach_id
    return args, member, coach


def _load(scope: str) -> dict:
    """Everything a statement page or export shows; ValidationFailed for a bad month or id."""
    given = (request.args.get("month") or "").strip()
    month = given or billing_export.current_month()
    args, member, coach = _filters(scope)
    data: Month = billing_export.month_of(
        current_user,
        month,
        member_id=member.id if member is not None else None,
        coach_id=coach.id if coach is not None else None,
    )
    context = {"data": data, "month": data.month, "args": args, "member": member, "coach": coach}
    if scope == Role.ADMIN:
        context["credit_uses"] = billing_export.credit_uses(data.statements)
        context["expiring"] = memberships.expiring(memberships.today())
    return context


def _page(scope: str):
    page_endpoint, csv_endpoint = SCOPES[scope]
    context = {
        "scope": scope,
        "endpoint": page_endpoint,
        "csv_endpoint": csv_endpoint,
        "zone": billing_export.gym_zone().key,
        "error": None,
        "credit_uses": [],
        "expiring": [],
    }
    status = 200
    try:
        context.update(_load(scope))
    except ValidationFailed as exc:
        status = 422
        month = billing_export.current_month()
        given = request.args.get("month", "")
        error = sentence(exc)
        if exc.field == "month":
            error = f"“{given}” is not a month. {error}" if given.strip() else error
        context.update(
            error=error,
            data=None,
            month=month,
            previous=billing_export.shift_month(month, -1),
            next=billing_export.shift_month(month, 1),
            args={},
            member=None,
            coach=None,
        )
    else:
        context.update(previous=context["data"].previous, next=context["data"].next)
    return context, status


def _render(scope: str):
    context, status = _page(scope)
    return page("billing/statement.html", "billing", status, **context)


def _csv(scope: str):
    context, status = _page(scope)
    if status != 200:
        return page("billing/statement.html", status=status, **context)
    data: Month = context["data"]
    response = make_response(billing_export.to_csv(data.statements))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{billing_export.csv_filename(data.month)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/admin/billing")
@roles_required(Role.ADMIN)
def admin_statements():
    """Every member's month: totals per member and per coach; ``?member=`` or ``?coach=`` drills
    down to that person's sessions."""
    return _render(Role.ADMIN)


@bp.get("/admin/billing.csv")
@roles_required(Role.ADMIN)
def admin_csv():
    """The admin's month (with the same drill-down) as CSV, one line per session."""
    return _csv(Role.ADMIN)


@bp.get("/admin/billing/credits.csv")
@roles_required(Role.ADMIN)
def admin_credits_csv():
    """The credits each member used in the month (with the same drill-down), one line per member
    and membership, as CSV."""
    context, status = _page(Role.ADMIN)
    if status != 200:
        return page("billing/statement.html", status=status, **context)
    month = context["data"].month
    response = make_response(billing_export.credits_csv(month, context["credit_uses"]))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{billing_export.credits_filename(month)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/coach/billing")
@roles_required(Role.COACH)
def coach_billing():
    """The coach's own sessions of the month, per member, with what they delivered."""
    return _render(Role.COACH)


@bp.get("/coach/billing.csv")
@roles_required(Role.COACH)
def coach_csv():
    """The coach's month as CSV, one line per session."""
    return _csv(Role.COACH)


@bp.get("/me/billing")
@roles_required(Role.MEMBER)
def my_billing():
    """The member's own statement of the month."""
    return _render(Role.MEMBER)


@bp.get("/me/billing.csv")
@roles_required(Role.MEMBER)
def my_csv():
    """The member's statement as CSV, one line per session."""
    return _csv(Role.MEMBER)


@bp.app_template_global()
def billing_url(endpoint: str, month: str, args: dict | None = None) -> str:
    """A statement URL for ``month`` keeping the drill-down arguments."""
    return url_for(endpoint, month=month, **(args or {}))


@bp.app_template_filter("month_name")
def month_name(month: str) -> str:
    """``2027-03`` as ``March 2027`` (anything else as given)."""
    try:
        return billing_export.first_day(month).strftime("%B %Y")
    except (TypeError, ValueError):
        return str(month)
