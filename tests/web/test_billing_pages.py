"""The billing pages and their CSV: who sees which statement, full page vs fragment, the month
picker, bad months, and the export's content.

Past sessions are made as rows in their final state; the gym is in Europe/Berlin and the clock
(``clock`` fixture) stands at 15 March 2027.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from coachapp.extensions import db
from coachapp.models import TrainingSession

BERLIN = ZoneInfo("Europe/Berlin")
HX = {"HX-Request": "true"}
PAGES = {"admin": "/admin/billing", "coach": "/coach/billing", "member": "/me/billing"}


def add_session(coach, member, start: str, status: str = "completed", cancelled_by=None,
                cancelled_before: timedelta | None = None):
    """A one-hour session row at Berlin wall-clock ``start`` in its final state."""
    begin = datetime.fromisoformat(start).replace(tzinfo=BERLIN)
    row = TrainingSession(
        coach_id=coach.id, member_id=member.id, start_time=begin,
        end_time=begin + timedelta(hours=1), status=status, cancelled_by=cancelled_by,
        cancelled_at=begin - cancelled_before if cancelled_before is not None else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def gym(make_user, clock):
    """An admin, coaches Carla and Otto, members Zoë and Max, and their March 2027."""
    g = SimpleNamespace(
        admin=make_user("admin"),
        carla=make_user("coach", name="Carla Coach"),
        otto=make_user("coach", name="Otto Coach"),
        zoe=make_user("member", name="Zoë Müller"),
        max=make_user("member", name="Max Member"),
    )
    g.held = add_session(g.carla, g.zoe, "2027-03-02 10:00")
    g.late = add_session(g.carla, g.zoe, "2027-03-04 10:00", "cancelled", "MEMBER", timedelta(hours=3))
    g.by_coach = add_session(g.carla, g.zoe, "2027-03-08 10:00", "cancelled", "COACH", timedelta(days=2))
    g.april = add_session(g.carla, g.zoe, "2027-04-01 00:30")  # 31 March 22:30 UTC
    g.other = add_session(g.otto, g.max, "2027-03-09 18:00", "no_show")
    return g


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"))))


@pytest.mark.parametrize("url", [*PAGES.values(), *(u + ".csv" for u in PAGES.values())])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["admin", "coach", "member"])
def test_each_role_opens_only_its_own_billing_page(client, login, gym, role):
    login(getattr(gym, {"admin": "admin", "coach": "carla", "member": "zoe"}[role]))
    for other, url in PAGES.items():
        expected = 200 if other == role else 403
        assert client.get(url + "?month=2027-03").status_code == expected, url
        assert client.get(url + ".csv?month=2027-03").status_code == expected, url


@pytest.mark.parametrize("role", ["admin", "coach", "member"])
def test_full_page_or_fragment(client, login, gym, role):
    login(getattr(gym, {"admin": "admin", "coach": "carla", "member": "zoe"}[role]))
    url = PAGES[role] + "?month=2027-03"
    full = client.get(url)
    assert full.status_code == 200 and "<html" in text(full)
    assert "HX-Request" in full.headers["Vary"]
    part = client.get(url, headers=HX)
    assert part.status_code == 200 and "<html" not in text(part)
    assert text(part).lstrip().startswith('<section id="billing"')
    restore = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in text(restore)


def test_the_month_defaults_to_this_month_and_the_picker_links_either_side(client, login, gym):
    login(gym.zoe)
    page = text(client.get("/me/billing"))
    assert "<h2>March 2027</h2>" in page
    for month in ("2027-02", "2027-04"):
        link = re.search(rf'<a href="/me/billing\?month={month}"[^>]*>', page).group(0)
        assert f'hx-get="/me/billing?month={month}"' in link
        assert 'hx-push-url="true"' in link and 'hx-target="#billing"' in link
    assert 'href="/me/billing.csv?month=2027-03"' in page
    january = text(client.get("/me/billing?month=2027-01", headers=HX))
    assert 'href="/me/billing?month=2026-12"' in january and "No sessions in January 2027." in january


def test_a_member_sees_only_their_own_lines(client, login, gym):
    login(gym.zoe)
    page = text(client.get("/me/billing?month=2027-03"))
    assert f'id="line-{gym.held.id}"' in page and f'id="line-{gym.late.id}"' in page
    assert f'id="line-{gym.other.id}"' not in page and "Max Member" not in page
    late = re.search(rf'<tr id="line-{gym.late.id}".*?</tr>', page, re.S).group(0)
    assert "late cancel" in late and ">Yes<" in late
    rows = csv_rows(client.get("/me/billing.csv?month=2027-03"))
    assert {r["member_id"] for r in rows} == {str(gym.zoe.id)}
    assert client.get(f"/me/billing?month=2027-03&member={gym.max.id}").status_code == 200
    assert "Max Member" not in text(client.get(f"/me/billing?month=2027-03&member={gym.max.id}"))


def test_a_coach_sees_only_their_sessions_and_what_they_delivered(client, login, gym):
    login(gym.otto)
    page = text(client.get("/coach/billing?month=2027-03"))
    assert f'id="line-{gym.other.id}"' in page
    assert f'id="line-{gym.held.id}"' not in page and "Zoë" not in page
    assert "What you delivered" in page
    rows = csv_rows(client.get("/coach/billing.csv?month=2027-03"))
    assert [(r["session_id"], r["status"], r["billable"], r["note"]) for r in rows] == [
        (str(gym.other.id), "no_show", "true", "no-show")]


def test_the_admin_sees_totals_and_drills_down(client, login, gym):
    login(gym.admin)
    page = text(client.get("/admin/billing?month=2027-03"))
    assert "Per coach" in page and "Per member" in page
    assert f'href="/admin/billing?month=2027-03&amp;member={gym.zoe.id}"' in page
    assert f'href="/admin/billing?month=2027-03&amp;coach={gym.otto.id}"' in page
    assert f'id="line-{gym.held.id}"' not in page  # the overview shows totals only
    zoe = text(client.get(f"/admin/billing?month=2027-03&member={gym.zoe.id}", headers=HX))
    assert "<html" not in zoe and "Zoë Müller" in zoe
    assert f'id="line-{gym.held.id}"' in zoe and f'id="line-{gym.other.id}"' not in zoe
    assert f'href="/admin/billing.csv?month=2027-03&amp;member={gym.zoe.id}"' in zoe
    assert f'href="/admin/billing?month=2027-04&amp;member={gym.zoe.id}"' in zoe
    otto = text(client.get(f"/admin/billing?month=2027-03&coach={gym.otto.id}"))
    assert f'id="line-{gym.other.id}"' in otto and f'id="line-{gym.held.id}"' not in otto
    assert client.get(f"/admin/billing?month=2027-03&member={gym.otto.id}").status_code == 404
    bad = client.get("/admin/billing?month=2027-03&member=abc")
    assert bad.status_code == 422 and "is not an id" in text(bad)


@pytest.mark.parametrize("month", ["2027-13", "March", "2027-3", "0001-01", "2027-03-01"])
def test_a_bad_month_is_an_inline_message_with_422(client, login, gym, month):
    login(gym.admin)
    page = client.get(f"/admin/billing?month={month}")
    assert page.status_code == 422
    assert 'id="month-error"' in text(page) and "<html" in text(page)
    assert f"“{month}” is not a month." in text(page)
    part = client.get(f"/admin/billing?month={month}", headers=HX)
    assert part.status_code == 422 and "<html" not in text(part)
    assert 'id="month-error"' in text(part) and 'aria-invalid="true"' in text(part)
    export = client.get(f"/admin/billing.csv?month={month}")
    assert export.status_code == 422 and export.mimetype == "text/html"


def test_the_csv_export(client, login, gym):
    login(gym.admin)
    response = client.get("/admin/billing.csv?month=2027-03")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="coachapp-billing-2027-03.csv"')
    body = response.get_data().decode("utf-8")
    assert body.splitlines()[0] == (
        "member_id,member_name,session_id,date,start_time,end_time,coach_id,coach_name,type,"
        "status,billable,note,membership_id")
    rows = {int(r["session_id"]): r for r in csv_rows(response)}
    assert set(rows) == {gym.held.id, gym.late.id, gym.by_coach.id, gym.other.id}
    assert (rows[gym.late.id]["billable"], rows[gym.late.id]["note"]) == ("true", "late cancel")
    assert (rows[gym.by_coach.id]["billable"], rows[gym.by_coach.id]["note"]) == (
        "false", "cancelled by coach")
    assert rows[gym.held.id]["member_name"] == "Zoë Müller"
    assert rows[gym.held.id]["date"] == "2027-03-02"
    assert rows[gym.held.id]["start_time"] == "2027-03-02T10:00:00+01:00"
    april = csv_rows(client.get("/admin/billing.csv?month=2027-04"))
    assert [(int(r["session_id"]), r["date"]) for r in april] == [(gym.april.id, "2027-04-01")]


def test_the_csv_link_is_not_boosted(client, login, gym):
    login(gym.admin)
    page = text(client.get("/admin/billing?month=2027-03"))
    link = re.search(r'<a [^>]*href="/admin/billing.csv\?month=2027-03"[^>]*>', page).group(0)
    assert 'hx-boost="false"' in link
