"""The htmx response layer (``coachapp.web``): ``page`` answers the whole page, or only the named
block for an htmx request for a part; ``fragment`` answers a template that is a fragment itself;
``respond`` sends ``HX-Trigger`` as JSON and the ``Vary`` a cache needs. Every blueprint answers
through it (the last test reads the view modules)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import DictLoader

from coachapp.web import FRAGMENT_HEADERS, VOCABULARY, fragment, page, respond, wants_fragment

TEMPLATES = {
    "page.html": (
        "<html><h1>{{ title }}</h1>"
        "{% block part %}<p id=part>{{ text }} {{ SessionStatus.CANCELLED }}</p>{% endblock %}"
        "</html>"
    ),
    "_row.html": "<tr><td>{{ text }}</td></tr>",
}
HX = {"HX-Request": "true"}
BOOSTED = {**HX, "HX-Boosted": "true"}
RESTORE = {**HX, "HX-History-Restore-Request": "true"}


@pytest.fixture
def web():
    """A bare Flask app whose views answer through the layer (templates in memory)."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader(TEMPLATES)
    app.context_processor(lambda: VOCABULARY)

    @app.get("/page")
    def whole_or_part():
        return page("page.html", "part", title="Title", text="Text")

    @app.get("/refused")
    def refused():
        return page("page.html", "part", 422, ("form-refused",), title="Title", text="Refused")

    @app.get("/no-block")
    def no_block():
        return page("page.html", title="Title", text="Text")

    @app.get("/changed")
    def changed():
        events = ("slots-changed", "sessions-changed")
        return page("page.html", "part", events=events, title="Title", text="Booked")

    @app.get("/one-event")
    def one_event():
        return page("page.html", "part", events="week-changed", title="Title", text="Moved")

    @app.get("/row")
    def row():
        return fragment("_row.html", 409, ("conflicts-changed",), text="Row")

    @app.get("/nothing")
    def nothing():
        return respond(events=("sheet-closed",))

    @app.get("/asks")
    def asks():
        return {"fragment": wants_fragment()}

    return app.test_client()


def test_a_plain_request_gets_the_whole_page(web):
    response = web.get("/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith("<html><h1>Title</h1>") and "<p id=part>Text cancelled</p>" in body
    assert "HX-Trigger" not in response.headers


def test_an_htmx_request_gets_only_the_block(web):
    response = web.get("/page", headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "<p id=part>Text cancelled</p>"


@pytest.mark.parametrize("headers", [BOOSTED, RESTORE], ids=["boosted", "history-restore"])
def test_boosted_links_and_history_restores_get_the_whole_page(web, headers):
    body = web.get("/page", headers=headers).get_data(as_text=True)
    assert body.startswith("<html>") and "<p id=part>" in body


def test_what_counts_as_asking_for_a_part(web):
    assert web.get("/asks").get_json() == {"fragment": False}
    assert web.get("/asks", headers=HX).get_json() == {"fragment": True}
    assert web.get("/asks", headers={"HX-Request": "false"}).get_json() == {"fragment": False}
    assert web.get("/asks", headers=BOOSTED).get_json() == {"fragment": False}
    assert web.get("/asks", headers=RESTORE).get_json() == {"fragment": False}


def test_a_page_without_a_block_is_whole_for_htmx_too(web):
    body = web.get("/no-block", headers=HX).get_data(as_text=True)
    assert body.startswith("<html>")


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_status_is_kept_for_the_page_and_the_fragment(web, headers):
    response = web.get("/refused", headers=headers)
    assert response.status_code == 422
    assert "Refused" in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"]) == {"form-refused": True}


def test_events_are_one_json_hx_trigger(web):
    response = web.get("/changed", headers=HX)
    assert response.headers["HX-Trigger"] == '{"slots-changed": true, "sessions-changed": true}'
    assert response.headers.get_all("HX-Trigger") == [response.headers["HX-Trigger"]]


def test_a_single_event_name_is_one_event_not_its_letters(web):
    response = web.get("/one-event", headers=HX)
    assert json.loads(response.headers["HX-Trigger"]) == {"week-changed": True}


def test_a_fragment_template_is_answered_as_it_is(web):
    for headers in ({}, HX):
        response = web.get("/row", headers=headers)
        assert response.status_code == 409
        assert response.get_data(as_text=True) == "<tr><td>Row</td></tr>"
        assert json.loads(response.headers["HX-Trigger"]) == {"conflicts-changed": True}


def test_an_empty_answer_can_still_carry_events(web):
    response = web.get("/nothing", headers=HX)
    assert response.status_code == 200 and response.get_data() == b""
    assert json.loads(response.headers["HX-Trigger"]) == {"sheet-closed": True}


@pytest.mark.parametrize("path", ["/page", "/row", "/nothing"])
def test_a_cache_keeps_pages_and_fragments_apart(web, path):
    vary = web.get(path).headers["Vary"]
    for header in FRAGMENT_HEADERS:
        assert header in vary


def test_the_app_answers_through_the_layer(client, make_user, login):
    """A real page: a member's sessions, whole and as the list htmx refreshes."""
    member = make_user("member")
    login(member)
    whole = client.get("/me/sessions")
    part = client.get("/me/sessions", headers=HX)
    assert whole.status_code == part.status_code == 200
    assert "<html" in whole.get_data(as_text=True)
    body = part.get_data(as_text=True)
    assert "<html" not in body and 'id="session-list"' in body
    for header in FRAGMENT_HEADERS:
        assert header in part.headers["Vary"]


APP = Path(__file__).resolve().parents[2] / "coachapp"
OWN_LAYER = re.compile(
    r"""headers\[["']HX-|headers\.get\(["']HX-|render_block|^def (page|partial|_is_htmx|_block)\(""",
    re.MULTILINE,
)


def test_every_blueprint_answers_through_the_one_layer():
    """No view module reads the htmx request headers, sets ``HX-Trigger`` or renders a block by
    itself: ``coachapp/web.py`` does, once."""
    found = [
        f"{path.relative_to(APP)}: {match.group(0)}"
        for path in sorted(APP.rglob("*.py"))
        if path.name != "web.py"
        for match in OWN_LAYER.finditer(path.read_text())
    ]
    assert found == []


def test_every_template_sees_the_vocabulary(app):
    """``coachapp.vocab``'s enums by name, in pages and in the blocks htmx asks for alike."""
    from flask import render_template_string

    from coachapp import vocab

    with app.test_request_context():
        text = render_template_string(
            "{{ SessionStatus.CANCELLED }} {{ BookingStatus.CONFIRMED in ACTIVE_BOOKING_STATUSES }}"
        )
    assert text == "cancelled True"
    for name in ("Role", "SessionType", "SeriesStatus", "Canceller", "NotificationKind"):
        assert VOCABULARY[name] is getattr(vocab, name)
