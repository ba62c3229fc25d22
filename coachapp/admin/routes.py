"""The admin pages: coaches, members and rooms.

Each list page holds a create form and the table. Without JavaScript the forms post and redirect
back (post-redirect-get), and a refused form comes back whole with its errors (422). With htmx the
create form replaces itself (errors inline, or a fresh form) and tells the table to reload
(``HX-Trigger: admin-list-changed``); deactivating or reactivating swaps just that row. The
confirmation is htmx's ``hx-confirm``; without JavaScript the same URL answers a GET with a
confirmation page. Every answer goes through ``web.page`` / ``web.fragment``; only admins see
these pages (the blueprint's role check, ``admin/__init__.py``).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..errors import sentence
from ..services import admin, zones
from ..services.errors import DomainError
from ..vocab import Role
from ..web import fragment, page, wants_fragment
from . import bp
from .forms import CoachForm, MemberForm, RoomForm

LIST_CHANGED = "admin-list-changed"
USER_PAGES = {Role.COACH: "admin.coaches", Role.MEMBER: "admin.members"}
ACTIONS = {"deactivate": False, "reactivate": True}


def see_other(endpoint: str, **values) -> Response:
    """Post-redirect-get: 303 so the browser GETs the list after a form post."""
    return redirect(url_for(endpoint, **values), code=303)


def links_for_coaches() -> dict[str, bool]:
    """Which coach pages exist to link from the coaches table (the coach blueprint may lack some)."""
    views = current_app.view_functions
    return {"week": "coach.week" in views, "availability": "coach.availability" in views}


def gym_zone() -> str:
    """The gym's zone, as configured."""
    return current_app.config["COACHAPP_TIMEZONE"]


def room_choices() -> list[tuple[int, str]]:
    """The rooms a coach's default room is chosen from."""
    return [(view.room.id, view.room.name) for view in admin.list_rooms(current_user)]


@bp.get("/")
def index():
    """The admin area starts with the coaches."""
    return redirect(url_for("admin.coaches"))


def _users_page(role: str, form, status: int = 200, events: tuple[str, ...] = (), block="list"):
    users = admin.list_users(current_user, role)
    return page(
        "admin/users.html",
        block,
        status,
        events,
        role=role,
        users=users,
        form=form,
        coach_links=links_for_coaches() if role == Role.COACH else {},
    )


def _coach_form(**kwargs) -> CoachForm:
    form = CoachForm(**kwargs)
    form.set_choices(zones.zone_list(), room_choices(), gym_zone())
    return form


def _member_form(**kwargs) -> MemberForm:
    form = MemberForm(**kwargs)
    form.set_choices(zones.zone_list(), gym_zone())
    return form


@bp.get("/coaches")
def coaches():
    """Every coach with zone, default room and session length, and the form to add one."""
    return _users_page(Role.COACH, _coach_form())


@bp.get("/members")
def members():
    """Every member, and the form to add one."""
    return _users_page(Role.MEMBER, _member_form())


@bp.post("/coaches")
def create_coach():
    """Add a coach; errors come back next to their fields (422) with what was typed."""
    form = _coach_form()
    if form.validate_on_submit():
        try:
            coach = admin.create_coach(
                current_user,
                form.email.data,
                form.name.data,
                form.password.data,
                form.timezone.data,
                form.default_room.data,
            )
        except DomainError as exc:
            form.add_error(exc)
        else:
            return _created(Role.COACH, coach.name, _coach_form)
    return _users_page(Role.COACH, form, 422, block="create_form")


@bp.post("/members")
def create_member():
    """Add a member; errors come back next to their fields (422) with what was typed."""
    form = _member_form()
    if form.validate_on_submit():
        try:
            member = admin.create_member(
                current_user,
                form.email.data,
                form.name.data,
                form.password.data,
                form.timezone.data or None,
            )
        except DomainError as exc:
            form.add_error(exc)
        else:
            return _created(Role.MEMBER, member.name, _member_form)
    return _users_page(Role.MEMBER, form, 422, block="create_form")


def _created(role: str, name: str, fresh_form):
    message = f"{name} can log in now."
    if not wants_fragment():
        flash(message, "success")
        return see_other(USER_PAGES[role])
    return page(
        "admin/users.html",
        "create_form",
        200,
        (LIST_CHANGED,),
        role=role,
        users=[],
        form=fresh_form(formdata=None),  # an empty form for the next one
        created=message,
        coach_links={},
    )


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["GET", "POST"])
def set_active(user_id: int, action: str):
    """GET: ask to confirm (the page for browsers without JavaScript). POST: switch the account
    off or on; htmx gets the row back, a plain post goes back to the list."""
    if request.method == "GET":
        user = admin.get_user(current_user, user_id)
        return page("admin/confirm.html", "confirm", user=user, action=action)
    try:
        user = admin.set_active(current_user, user_id, ACTIONS[action])
    except DomainError as exc:
        if wants_fragment():
            return fragment("admin/_error_row.html", exc.status, error=sentence(exc))
        flash(sentence(exc), "error")
        return see_other("admin.coaches")
    done = f"{user.name} is {'active again' if user.active else 'deactivated'}."
    if wants_fragment():
        return fragment(
            "admin/_user_row.html", 200, user=user, coach_links=links_for_coaches(), note=done
        )
    flash(done, "success")
    return see_other(USER_PAGES[user.role])


@bp.get("/rooms")
def rooms():
    """Every room with how much refers to it, and the form to add one."""
    return _rooms_page(RoomForm())


def _rooms_page(
    form: RoomForm, status: int = 200, events: tuple[str, ...] = (), block="list", **context
):
    return page(
        "admin/rooms.html",
        block,
        status,
        events,
        rooms=admin.list_rooms(current_user),
        form=form,
        **context,
    )


@bp.post("/rooms")
def create_room():
    """Add a room; a duplicate or blank name comes back next to the field (422)."""
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = admin.create_room(current_user, form.name.data)
        except DomainError as exc:
            form.add_error(exc)
        else:
            message = f"Room {room.name} added."
            if not wants_fragment():
                flash(message, "success")
                return see_other("admin.rooms")
            form = RoomForm(formdata=None)
            return _rooms_page(form, 200, (LIST_CHANGED,), "create_form", created=message)
    return _rooms_page(form, 422, block="create_form")


@bp.route("/rooms/<int:room_id>/delete", methods=["GET", "POST"])
def delete_room(room_id: int):
    """GET: ask to confirm. POST: remove a room nothing refers to (one in use is refused, 409)."""
    view = admin.get_room(current_user, room_id)
    if request.method == "GET":
        return page("admin/confirm.html", "confirm", view=view, action="delete")
    try:
        name = admin.delete_room(current_user, room_id)
    except DomainError as exc:
        if wants_fragment():
            return fragment(
                "admin/_room_row.html",
                exc.status,
                view=admin.get_room(current_user, room_id),
                error=sentence(exc),
            )
        flash(sentence(exc), "error")
        return see_other("admin.rooms")
    if wants_fragment():
        return fragment("admin/_room_row.html", 200, view=None, removed=name)
    flash(f"Room {name} removed.", "success")
    return see_other("admin.rooms")
