"""One list of time zones (services/zones.py): the coach's settings, the admin's new coach and
member, the member's "Show times in" and the API's coach settings accept the same zones (every
IANA name, legacy ones too) and refuse the same (not IANA: the zone files' posix/ and right/
copies, posixrules, the machine's localtime); the forms offer the same list (area/location names
and UTC, A–Z)."""

from __future__ import annotations

import re
from itertools import count

import pytest
from coach_helpers import SeparateClient

from coachapp.extensions import db
from coachapp.models import CoachSettings, User
from coachapp.services import zones

ACCEPTED = ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires", "US/Eastern", "Etc/GMT+1"]
REFUSED = [
    "Mars/Olympus",
    "europe/paris",
    "posix/Europe/Paris",
    "right/Europe/Paris",
    "posixrules",
    "localtime",
    "Europe/" + "x" * 70,
]
PLACES = [
    "coach settings page",
    "API coach settings",
    "admin new coach",
    "admin new member",
    "member's zone",
]
emails = count()


def _coach_zone(coach) -> str:
    db.session.expire_all()
    return db.session.scalar(
        db.select(CoachSettings.timezone).where(CoachSettings.coach_id == coach.id)
    )


def _places(app, api, gym, zone: str) -> dict[str, bool]:
    """Whether each place that takes a zone accepted ``zone`` (and, if so, kept it)."""
    coach, admin, member = (SeparateClient(app, u) for u in (gym.coach, gym.admin, gym.member))
    verdicts = {}
    settings = {"default_duration": "60", "cancellation_window_hours": "24", "timezone": zone}
    response = coach.post("/coach/settings", data={**settings, "op": "force"})
    assert response.status_code in (302, 422)
    verdicts["coach settings page"] = _coach_zone(gym.coach) == zone
    response = api.request(
        "PATCH", f"/api/v1/coaches/{gym.coach2.id}/settings", gym.coach2, json={"timezone": zone}
    )
    verdicts["API coach settings"] = response.status_code == 200
    if not verdicts["API coach settings"]:
        assert response.status_code == 422 and response.get_json()["error"]["field"] == "timezone"
    for kind, role in (("coaches", "coach"), ("members", "member")):
        email = f"new{next(emails)}@example.com"
        response = admin.post(
            f"/admin/{kind}",
            data={
                "email": email,
                "name": "New One",
                "password": "long-enough-pw",
                "timezone": zone,
            },
        )
        assert response.status_code in (303, 422)
        new = db.session.scalar(db.select(User).where(User.email == email))
        verdicts[f"admin new {role}"] = new is not None and new.timezone == zone
    response = member.post("/me/zone", data={"timezone": zone})
    assert response.status_code in (303, 422)
    db.session.expire_all()
    verdicts["member's zone"] = db.session.get(User, gym.member.id).timezone == zone
    return verdicts


@pytest.mark.parametrize("zone", ACCEPTED)
def test_every_place_accepts_a_known_zone(app, api, gym, zone):
    assert _places(app, api, gym, zone) == dict.fromkeys(PLACES, True)


@pytest.mark.parametrize("zone", REFUSED)
def test_every_place_refuses_what_is_no_iana_zone(app, api, gym, zone):
    assert _places(app, api, gym, zone) == dict.fromkeys(PLACES, False)


def test_the_forms_offer_the_one_list(app, gym):
    offered = list(zones.zone_list())
    assert offered == sorted(offered) and "UTC" in offered and "Europe/Berlin" in offered
    assert not {"US/Eastern", "Etc/GMT+1", "localtime", "posixrules"} & set(offered)
    assert set(offered) <= zones.known_zones()

    coach = SeparateClient(app, gym.coach).get("/coach/settings").get_data(as_text=True)
    assert re.findall(r"<option(?: selected)?>([^<]+)</option>", coach) == offered
    admin = SeparateClient(app, gym.admin)
    for kind in ("coaches", "members"):
        page = admin.get(f"/admin/{kind}").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0)
        assert [v for v in re.findall(r'value="([^"]*)"', select) if v] == offered
    member = SeparateClient(app, gym.member).get("/me/zone").get_data(as_text=True)
    listed = re.findall(r'<option value="([^"]+)"', member)
    assert sorted(set(listed)) == offered and len(listed) == len(offered)


def test_the_zone_scan_runs_once():
    assert zones.known_zones() is zones.known_zones()
    assert zones.zone_list() is zones.zone_list()
