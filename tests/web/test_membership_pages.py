"""The membership pages (issue 17): the admin's plans and a member's memberships (assign, extend,
cancel with a confirmation step, inline errors), the member's balance on the home page and at
booking time, and a member's balance in the coach's session panel."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coachapp.extensions import db
from coachapp.models import Membership, MembershipPlan

HX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def club(gym, clock):
    """The API gym (clock 2027-03-15 12:00 UTC) with a 10-pack and an unlimited 2-a-week plan."""
    from coachapp.services import memberships

    gym.pack = memberships.create_plan(gym.admin, "10-pack", "credits", 10, 90)
    gym.unlimited = memberships.create_plan(gym.admin, "Unlimited", "unlimited", None, 30, 2)
    return gym


def _membership(member_id: int) -> list[Membership]:
    db.session.expire_all()
    return list(db.session.scalars(select(Membership).where(Membership.member_id == member_id)))


def test_only_admins_open_the_membership_pages(client, login, club):
    pages = ["/admin/plans", f"/admin/members/{club.member.id}/memberships"]
    for user in (club.member, club.coach):
        login(user)
        for url in pages:
            assert client.get(url).status_code == 403
        assert client.post("/admin/plans", data={"name": "x"}).status_code == 403
        client.post("/logout")
    login(club.admin)
    for url in pages:
        assert client.get(url).status_code == 200
    assert client.get(f"/admin/members/{club.coach.id}/memberships").status_code == 404
    assert client.get("/admin/members/999999/memberships").status_code == 404


def test_the_members_page_links_to_plans_and_each_members_memberships(client, login, club):
    login(club.admin)
    page = text(client.get("/admin/members"))
    assert 'href="/admin/plans"' in page
    assert f'href="/admin/members/{club.member.id}/memberships"' in page


def test_create_a_plan_with_inline_errors(client, login, club):
    login(club.admin)
    page = text(client.get("/admin/plans"))
    assert "10-pack" in page and "Unlimited" in page and "2" in page
    bad = client.post(
        "/admin/plans",
        data={"name": "", "kind": "credits", "credits": "0", "valid_days": "x"},
        headers=HX,
    )
    assert bad.status_code == 422 and "<html" not in text(bad)
    assert "Enter a name." in text(bad) and "Use 1 to 1000 credits." in text(bad)
    assert 'aria-invalid="true"' in text(bad)
    missing = client.post(
        "/admin/plans", data={"name": "Pack", "kind": "credits", "valid_days": "30"}, headers=HX
    )
    assert missing.status_code == 422
    assert "credits" in text(missing).lower()
    made = client.post(
        "/admin/plans",
        data={
            "name": "Group 8",
            "kind": "credits",
            "credits": "8",
            "valid_days": "60",
            "weekly_limit": "",
            "session_type": "GROUP",
        },
        headers=HX,
    )
    assert made.status_code == 200 and "Plan Group 8 added" in text(made)
    assert "admin-list-changed" in made.headers["HX-Trigger"]
    plan = db.session.scalar(select(MembershipPlan).where(MembershipPlan.name == "Group 8"))
    assert (plan.credits, plan.valid_days, plan.weekly_limit, plan.session_type) == (
        8,
        60,
        None,
        "GROUP",
    )
    # unlimited: credits typed by mistake are ignored
    plain = client.post(
        "/admin/plans",
        data={"name": "All in", "kind": "unlimited", "credits": "5", "valid_days": "30"},
    )
    assert plain.status_code == 303
    assert (
        db.session.scalar(select(MembershipPlan.credits).where(MembershipPlan.name == "All in"))
        is None
    )
    for hostile in ("99999999999999999999", "\x00", "x" * 5000, "-1"):
        response = client.post(
            "/admin/plans",
            data={
                "name": hostile,
                "kind": hostile,
                "credits": hostile,
                "valid_days": hostile,
                "weekly_limit": hostile,
                "session_type": hostile,
            },
        )
        assert response.status_code in (400, 422)


def test_assign_extend_and_cancel_a_membership(client, login, club):
    login(club.admin)
    url = f"/admin/members/{club.member.id}/memberships"
    page = text(client.get(url))
    assert "has no membership yet" in page and "No membership" in page
    bad = client.post(url, data={"plan": "", "starts_on": "2027-02-30"}, headers=HX)
    assert bad.status_code == 422 and "Choose a plan." in text(bad)
    far = client.post(url, data={"plan": str(club.pack.id), "starts_on": "9999-12-31"}, headers=HX)
    assert far.status_code == 422
    done = client.post(url, data={"plan": str(club.pack.id), "starts_on": "2027-03-10"}, headers=HX)
    assert done.status_code == 200, text(done)
    assert "has 10-pack from 10 Mar 2027 until 7 Jun 2027" in text(done)
    [membership] = _membership(club.member.id)
    page = text(client.get(url))
    assert "10-pack: 10 of 10 credits left · until 7 Jun" in page or (
        "10-pack: 10 credits left · until 7 Jun" in page
    )

    wrong = client.post(
        f"{url}/extend", data={"membership": str(membership.id), "days": "0"}, headers=HX
    )
    assert wrong.status_code == 422 and "Use 1 to 3650." in text(wrong)
    longer = client.post(
        f"{url}/extend", data={"membership": str(membership.id), "days": "7"}, headers=HX
    )
    assert longer.status_code == 200 and "now lasts until 14 Jun 2027" in text(longer)
    assert _membership(club.member.id)[0].ends_on == date(2027, 6, 14)
    other = client.post(
        f"/admin/members/{club.member2.id}/memberships/extend",
        data={"membership": str(membership.id), "days": "7"},
    )
    assert other.status_code == 404

    ask = client.post(f"{url}/cancel", data={"membership": str(membership.id)}, headers=HX)
    assert ask.status_code == 200 and "Yes, cancel it" in text(ask)
    assert _membership(club.member.id)[0].status == "active"  # nothing done yet
    gone = client.post(f"{url}/cancel", data={"membership": str(membership.id), "confirmed": "1"})
    assert gone.status_code == 303
    assert _membership(club.member.id)[0].status == "cancelled"
    page = text(client.get(url))
    assert "Cancelled" in page and "10-pack is cancelled." in page
    twice = client.post(
        f"{url}/cancel", data={"membership": str(membership.id), "confirmed": "1"}, headers=HX
    )
    assert twice.status_code == 409 and "cancelled already" in text(twice)
    for hostile in ("²", "99999999999999999999", "x" * 5000, ""):
        assert client.post(f"{url}/cancel", data={"membership": hostile}).status_code == 404
        assert (
            client.post(f"{url}/extend", data={"membership": hostile, "days": hostile}).status_code
            == 404
        )


def test_member_sees_the_balance_on_home_and_when_booking(client, login, mondays_gym):
    from coachapp.services import memberships

    gym = mondays_gym
    login(gym.member)
    assert "Your membership" not in text(client.get("/"))  # a gym without memberships
    pack = memberships.create_plan(gym.admin, "10-pack", "credits", 10, 90)
    memberships.assign(gym.admin, gym.member.id, pack.id, date(2027, 3, 1))
    home = text(client.get("/"))
    assert "10 of 10 credits left · until 29 May" in home
    sheet = client.get(
        f"/book/{gym.coach.id}/slot",
        query_string={"start": "2027-03-29T08:00:00+00:00", "end": "2027-03-29T09:00:00+00:00"},
        headers=HX,
    )
    assert sheet.status_code == 200, text(sheet)
    assert "10 of 10 credits left · until 29 May" in text(sheet)


def test_a_required_membership_refusal_links_to_the_gym(
    client, login, mondays_gym, app, monkeypatch
):
    gym = mondays_gym
    monkeypatch.setitem(app.config, "COACHAPP_REQUIRE_MEMBERSHIP", True)
    login(gym.member)
    response = client.post(
        f"/book/{gym.coach.id}/slot",
        headers=HX,
        data={
            "start": "2027-03-29T08:00:00+00:00",
            "end": "2027-03-29T09:00:00+00:00",
            "frequency": "once",
        },
    )
    assert response.status_code == 409
    body = text(response)
    assert "no membership" in body.lower()
    assert f'href="mailto:{gym.admin.email}' in body


def test_the_coach_sees_the_members_balance_in_the_session_panel(api, client, login, mondays_gym):
    from coachapp.services import memberships

    gym = mondays_gym
    pack = memberships.create_plan(gym.admin, "5-pack", "credits", 5, 60)
    memberships.assign(gym.admin, gym.member.id, pack.id, date(2027, 3, 1))
    booked = api.post(
        "/api/v1/bookings",
        gym.member,
        json={
            "coach_id": str(gym.coach.id),
            "start_time": "2027-03-29T10:00",
            "end_time": "2027-03-29T11:00",
        },
    ).get_json()
    login(gym.coach)
    panel = text(client.get(f"/coach/sessions/{booked['session']['id']}", headers=HX))
    assert "5-pack: 4 of 5 credits left · until 29 Apr" in panel


def test_every_required_membership_refusal_says_what_to_do_and_links_to_the_gym(
    client, login, mondays_gym, app, monkeypatch
):
    """no_credits and weekly_limit on the booking sheet, no_membership on a group class's page:
    each a 409 with a sentence the member can act on and the 'Ask the gym' mailto link."""
    from coachapp.services import availability, group_classes, memberships
    from tests.integration.service_helpers import at

    gym = mondays_gym
    monkeypatch.setitem(app.config, "COACHAPP_REQUIRE_MEMBERSHIP", True)
    ask = f'href="mailto:{gym.admin.email}?subject=Membership%20for%20'
    one = memberships.create_plan(gym.admin, "1-pack", "credits", 1, 90, None, "ONE_TO_ONE")
    memberships.assign(gym.admin, gym.member.id, one.id, date(2027, 3, 1))
    login(gym.member)

    def book(start: str, end: str):
        return client.post(
            f"/book/{gym.coach.id}/slot",
            headers=HX,
            data={"start": start, "end": end, "frequency": "once"},
        )

    assert book("2027-03-29T08:00:00+00:00", "2027-03-29T09:00:00+00:00").status_code == 200
    spent = book("2027-03-29T09:00:00+00:00", "2027-03-29T10:00:00+00:00")
    assert spent.status_code == 409
    assert "no credits left" in text(spent) and "new pack" in text(spent)
    assert ask in text(spent)

    weekly = memberships.create_plan(gym.admin, "1 a week", "unlimited", None, 90, 1)
    weekly = memberships.assign(gym.admin, gym.member.id, weekly.id, date(2027, 3, 1))
    assert book("2027-04-05T08:00:00+00:00", "2027-04-05T09:00:00+00:00").status_code == 200
    full = book("2027-04-05T09:00:00+00:00", "2027-04-05T10:00:00+00:00")
    assert full.status_code == 409
    assert "1 sessions a week" in text(full) and "another week" in text(full)
    assert ask in text(full)

    # a group class: the 1-pack covers one-to-one only, the weekly plan is cancelled
    availability.replace_weekly_day(
        gym.coach,
        gym.coach.id,
        2,
        [availability.WindowInput("17:00", "20:00", None, is_individual=False, is_group=True)],
    )
    klass = group_classes.schedule_group_session(
        gym.coach, gym.coach.id, at("2027-04-13", "17:00"), at("2027-04-13", "18:00"), "HIIT", 5
    )
    db.session.commit()
    memberships.cancel(gym.admin, weekly.id)
    refused = client.post(f"/classes/{klass.id}/book", headers=HX)
    assert refused.status_code == 409
    assert "no membership valid on Tue 13 Apr" in text(refused)
    assert ask in text(refused)
