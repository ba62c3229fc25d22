"""JSON API v1, what a member holds: billing statements, notifications, membership plans and
memberships. Same blueprint and glue as ``routes``."""

from __future__ import annotations

from ..services import billing, memberships, notifications
from .models import (
    ExtendIn,
    Membership,
    MembershipIn,
    MembershipPlan,
    MembershipPlanIn,
    Notification,
    NotificationsQuery,
    Statement,
    StatementsQuery,
    zone_named,
)
from .routes import BILLING, MEMBERSHIPS, META, caller
from .spec import api_route
from .types import PathId


@api_route(
    "GET",
    "/billing/statements",
    op="listStatements",
    tag=BILLING,
    returns={"statements": list[Statement]},
    errors=(403, 404),
    answer="One statement per member with sessions that month.",
)
def list_statements(query: StatementsQuery):
    """Monthly statements"""
    found = billing.statements(caller(), query.month, member_id=query.member_id)
    return {"statements": Statement.many(found)}


@api_route(
    "GET",
    "/notifications",
    op="listNotifications",
    tag=META,
    returns={"notifications": list[Notification]},
    answer="Newest first.",
)
def list_notifications(query: NotificationsQuery):
    """My notifications"""
    user = caller()
    rows = notifications.list_for(user, unread_only=query.all != "true")
    zone = zone_named(user.timezone)
    return {"notifications": [Notification.of(n, zone) for n in rows]}


@api_route(
    "POST",
    "/notifications/<id>/dismiss",
    op="dismissNotification",
    tag=META,
    returns={"notification": Notification},
    answer="The notification.",
)
def dismiss_notification(id: PathId):
    """Mark a notification read"""
    user = caller()
    return {
        "notification": Notification.of(notifications.dismiss(user, id), zone_named(user.timezone))
    }


@api_route(
    "GET",
    "/membership-plans",
    op="listMembershipPlans",
    tag=MEMBERSHIPS,
    returns={"membership_plans": list[MembershipPlan]},
    answer="Every plan, by name.",
    links={"/membership_plans/0/id": ("assignMembership",)},
)
def list_plans():
    """Membership plans

    Anyone signed in.
    """
    return {"membership_plans": [MembershipPlan.of(p) for p in memberships.list_plans()]}


@api_route(
    "POST",
    "/membership-plans",
    op="createMembershipPlan",
    tag=MEMBERSHIPS,
    status=201,
    returns={"membership_plan": MembershipPlan},
    errors=(403,),
    answer="The plan.",
)
def create_plan(body: MembershipPlanIn):
    """Create a membership plan

    An admin. kind credits: a pack of credits sessions (one per session); unlimited: no credits.
    weekly_limit caps the sessions per ISO week; session_type limits it to one kind of session.
    """
    plan = memberships.create_plan(
        caller(),
        body.name,
        body.kind,
        body.credits,
        body.valid_days,
        body.weekly_limit,
        body.session_type,
    )
    return {"membership_plan": MembershipPlan.of(plan)}


def _membership(row) -> Membership:
    return Membership.of_membership(row, memberships.status_on(row, memberships.today()))


@api_route(
    "GET",
    "/members/<id>/memberships",
    op="listMemberships",
    tag=MEMBERSHIPS,
    returns={"memberships": list[Membership]},
    errors=(403,),
    links={"/memberships/0/id": ("extendMembership", "cancelMembership")},
    answer="The member's memberships, newest start first.",
)
def list_memberships(id: PathId):
    """A member's memberships

    A member: only their own (another member's: 403); a coach or an admin: any member's.
    """
    rows = memberships.for_member(caller(), id)
    return {"memberships": [_membership(m) for m in rows]}


@api_route(
    "POST",
    "/members/<id>/memberships",
    op="assignMembership",
    tag=MEMBERSHIPS,
    status=201,
    returns={"membership": Membership},
    errors=(403,),
    links={"/membership/id": ("extendMembership", "cancelMembership")},
    answer="The membership: ends_on = starts_on + the plan's valid_days - 1; credits_* "
    "null for an unlimited plan.",
)
def assign_membership(id: PathId, body: MembershipIn):
    """Give a member a membership

    An admin. starts_on is a date in the gym's zone.
    """
    row = memberships.assign(caller(), id, body.plan_id, body.starts_on)
    return {"membership": _membership(row)}


@api_route(
    "POST",
    "/memberships/<id>/extend",
    op="extendMembership",
    tag=MEMBERSHIPS,
    returns={"membership": Membership},
    errors=(403,),
    conflicts="already_cancelled (a cancelled membership is not extended)",
    answer="The membership with its new ends_on.",
)
def extend_membership(id: PathId, body: ExtendIn):
    """Extend a membership

    An admin. Moves ends_on days later; series occurrences skipped for want of it are made by
    the next nightly run.
    """
    return {"membership": _membership(memberships.extend(caller(), id, body.days))}


@api_route(
    "POST",
    "/memberships/<id>/cancel",
    op="cancelMembership",
    tag=MEMBERSHIPS,
    returns={"membership": Membership},
    errors=(403,),
    conflicts="already_cancelled",
    answer="The membership, now cancelled: no new session draws on it; what holds its "
    "credits keeps them.",
)
def cancel_membership(id: PathId):
    """Cancel a membership

    An admin.
    """
    return {"membership": _membership(memberships.cancel(caller(), id))}
