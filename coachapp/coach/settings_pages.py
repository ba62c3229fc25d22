"""The coach's settings: default room and duration, time zone, cancellation window, the booking
rules for members, and the coach's own calendar feed."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ..auth.decorators import roles_required
from ..feeds.routes import REGENERATED, feed_card
from ..services import coach_settings, coaches, feeds, zones
from ..services.errors import DomainError, NotFound
from ..vocab import Role
from ..web import page, wants_fragment
from . import bp, forms
from .availability_pages import conflict_preview
from .common import (
    CONFLICTS_CHANGED,
    base_context,
    coach_args,
    coach_or_picker,
    confirm_page,
    confirmed,
)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Default room and duration, time zone, cancellation window, booking rules for members.

    A new time zone moves the weekly template in real time: when that would put sessions in
    conflict the post first asks, in place of the form ("This will put these N sessions in
    conflict", Save anyway = ``op=force`` / Change it = ``op=change``, the form as typed)."""
    coach_id, picker = coach_or_picker()
    if picker is not None:
        return picker
    context = base_context(coach_id)
    context.update(
        rooms=coach_settings.list_rooms(),
        zones=zones.zone_list(),
        notice=None,
        confirm=None,
        feed=_feed_card(coach_id),
    )
    if request.method == "GET":
        form = forms.settings_form(settings=context["settings"])
        return page("coach/settings.html", "settings_form", form=form, **context)
    form = forms.settings_form(request.form)
    duration = forms.whole_number(form, "default_duration")
    hours = forms.whole_number(form, "cancellation_window_hours")
    # A post without the booking rules (a page opened before they existed) keeps them.
    rules = {}
    for name in ("booking_horizon_days", "min_notice_minutes"):
        if name in request.form:
            rules[name] = forms.whole_number(form, name)
        else:
            form.values[name] = str(getattr(context["settings"], name))
    op = request.form.get("op")
    if op == "change":
        return page("coach/settings.html", "settings_form", form=form, **context)
    if form.ok and op != "force":
        try:
            coaches.require_manager(current_user, coach_id)
            would = coach_settings.preview_zone_change(coach_id, form.get("timezone"))
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc)
        else:
            if would:
                confirm = conflict_preview(coach_id, would)
                confirm["zone"] = form.get("timezone").strip()
                context["confirm"] = confirm
                return page("coach/settings.html", "settings_form", form=form, **context)
    if form.ok:
        try:
            saved, found = coach_settings.update_settings(
                current_user,
                coach_id,
                forms.optional_id(form.get("default_room_id")),
                duration,
                form.get("timezone"),
                hours,
                **rules,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.fail(exc)
    if not form.ok:
        return page("coach/settings.html", "settings_form", status=422, form=form, **context)
    notice = {"conflicts": len(found)}
    if wants_fragment():
        context.update(base_context(coach_id))
        return page(
            "coach/settings.html",
            "settings_form",
            events=(CONFLICTS_CHANGED,),
            form=forms.settings_form(settings=saved),
            **{**context, "notice": notice},
        )
    text = "Settings saved."
    if found:
        text += f" {len(found)} session(s) are in conflict — see Conflicts."
    flash(text, "warning" if found else "success")
    return redirect(url_for("coach.settings", **coach_args(coach_id)))


def _feed_card(coach_id: int, notice: str | None = None) -> dict | None:
    """The calendar feed card of the coach's own settings (not shown to an admin: it is the
    coach's secret)."""
    if current_user.role != Role.COACH or current_user.id != coach_id:
        return None
    return feed_card(current_user, "coach.regenerate_feed", notice)


@bp.post("/feed/regenerate")
@roles_required(Role.COACH)
def regenerate_feed():
    """Make a new calendar feed URL; the old one stops working (asks first without htmx)."""
    if not confirmed():
        return confirm_page(
            "Make a new calendar feed URL?",
            "The current URL stops working at once: calendars subscribed to it stop updating "
            "until you subscribe them to the new one.",
            url_for("coach.regenerate_feed"),
            url_for("coach.settings"),
            "Yes, make a new URL",
        )
    feeds.regenerate(current_user)
    if wants_fragment():
        feed = _feed_card(current_user.id, notice=REGENERATED)
        return page("coach/settings.html", "feed", feed=feed)
    flash(REGENERATED, "success")
    return redirect(url_for("coach.settings"))
