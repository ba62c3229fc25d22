"""Request size: a body over 1 MiB is refused with 413 before it is read (the contract's JSON under
/api/, a friendly page for forms), whether it declares its length or streams in chunks; a body of
exactly 1 MiB is still served. gunicorn is checked for real: it hands werkzeug a chunked body
without a Content-Length, and the limit must hold for that stream too."""

from __future__ import annotations

import http.client
import io
import json
import socket

import pytest

from coachapp.models import Booking, TrainingSession
from tests.e2e.live_server import LiveServer

LIMIT = 1024 * 1024
MONDAY = 1
CHUNKED = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
"""What gunicorn (and werkzeug's own server) put in the environ for a chunked request body."""


def padded(body: dict, size: int) -> bytes:
    """``body`` as JSON of exactly ``size`` bytes (an ignored ``padding`` field fills it)."""
    bare = len(json.dumps({**body, "padding": ""}).encode())
    data = json.dumps({**body, "padding": "x" * (size - bare)}).encode()
    assert len(data) == size
    return data


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer) -> int:
        raise AssertionError("the body was read")


class Disconnecting(Unreadable):
    """A chunked body whose client goes away after the first bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def readinto(self, buffer) -> int:
        if self.sent:
            raise OSError("connection reset by peer")
        self.sent = True
        buffer[:10] = b'{"coach_id'
        return 10


@pytest.fixture
def setup(mondays_gym):
    """Coach (Berlin) works Mondays 09:00–12:00 in Studio A; the clock is 2027-03-15 12:00 UTC."""
    return mondays_gym


def _booking(gym) -> dict:
    return {"coach_id": str(gym.coach.id), "start_time": "2027-03-29T10:00",
            "end_time": "2027-03-29T11:00"}


def _sessions(app) -> int:
    from coachapp.extensions import db

    return db.session.query(TrainingSession).count() + db.session.query(Booking).count()


def _assert_too_large(response) -> None:
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert "1 MiB" in error["message"]


def test_one_byte_over_1_mib_is_413_and_books_nothing_exactly_1_mib_books(api, setup, app):
    over = api.post("/api/v1/bookings", setup.member, data=padded(_booking(setup), LIMIT + 1),
                    content_type="application/json")
    _assert_too_large(over)
    assert _sessions(app) == 0
    exact = api.post("/api/v1/bookings", setup.member, data=padded(_booking(setup), LIMIT),
                     content_type="application/json")
    assert exact.status_code == 201, exact.get_json()
    assert exact.get_json()["session"]["start_time"] == "2027-03-29T10:00:00+02:00"


def test_a_chunked_body_without_length_is_held_to_the_limit(api, setup, app):
    over = api.post("/api/v1/bookings", setup.member,
                    input_stream=io.BytesIO(padded(_booking(setup), LIMIT + 1)),
                    content_type="application/json", environ_overrides=CHUNKED)
    _assert_too_large(over)
    assert _sessions(app) == 0
    cut = api.post("/api/v1/bookings", setup.member, input_stream=Disconnecting(),
                   content_type="application/json", environ_overrides=CHUNKED, check=False)
    assert cut.status_code == 400  # the client went away mid-body: nothing is done
    assert _sessions(app) == 0
    under = api.post("/api/v1/bookings", setup.member,
                     input_stream=io.BytesIO(padded(_booking(setup), LIMIT - 1)),
                     content_type="application/json", environ_overrides=CHUNKED)
    assert under.status_code == 201, under.get_json()


def test_a_declared_200_mb_body_is_refused_unread(api, setup, app):
    """The attack of issue 13: a 200 MB body. Nothing reads it, not even on a route that would
    never look at a body, and not before the token is checked."""
    for method, path in [("POST", "/api/v1/bookings"),
                         ("POST", "/api/v1/recurring-bookings"),
                         ("GET", "/api/v1/me")]:
        response = api.request(method, path, setup.member, input_stream=Unreadable(),
                               content_type="application/json", check=False,
                               environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)})
        _assert_too_large(response)
    assert _sessions(app) == 0


def test_a_big_form_gets_a_friendly_page(client, gym):
    response = client.post("/login", data={"email": gym.member.email,
                                           "password": "x" * (LIMIT + 1)})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Too much at once" in page and "Nothing was saved" in page
    assert "payload_too_large" not in page
    # a normal login on the same client still works
    ok = client.post("/login", data={"email": gym.member.email, "password": "correct-horse-battery"})
    assert ok.status_code == 302


def test_a_form_field_over_64_kib_or_over_100_parts_is_413(client, gym):
    big_field = client.post("/login", content_type="multipart/form-data",
                            data={"email": gym.member.email, "password": "x" * (65 * 1024)})
    assert big_field.status_code == 413
    assert "Too much at once" in big_field.get_data(as_text=True)
    many = {f"f{i}": "1" for i in range(101)}
    many_parts = client.post("/login", content_type="multipart/form-data",
                             data={"email": gym.member.email, "password": "x", **many})
    assert many_parts.status_code == 413


def test_openapi_documents_413_on_every_operation_with_a_body(api):
    doc = api.client.get("/api/v1/openapi.json").get_json()
    with_body = [(path, method, op) for path, item in doc["paths"].items()
                 for method, op in item.items() if "requestBody" in op]
    assert len(with_body) > 10
    for path, method, op in with_body:
        assert "413" in op["responses"], (method, path)
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert "payload_too_large" in codes["enum"]


def _raw_post(url: str, path: str, token: str, body: bytes, *, chunked: bool) -> tuple[int, dict]:
    """POST ``body`` to the live server over a plain socket (chunked or with Content-Length); the
    status and JSON of the answer."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        if chunked:
            pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
            connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_gunicorn_holds_chunked_and_declared_bodies_to_the_limit(app, make_user, database_url):
    """Under gunicorn: a chunked body one byte over the limit is 413 in the contract's shape; one
    byte under is read and parsed (the answer names the field at fault); a declared 200 MB body is
    answered 413 at once, before the client has sent any of it."""
    from coachapp.extensions import db
    from coachapp.services import accounts

    coach = make_user("coach", email="lim-coach@example.com", timezone="Europe/Berlin")
    member = make_user("member", email="lim-member@example.com")
    token = accounts.issue_token(member.email)
    body = {"coach_id": str(coach.id), "start_time": "not a time", "end_time": "2027-03-29T11:00"}
    db.session.commit()
    db.session.remove()
    with LiveServer(database_url, workers=1) as server:
        status, answer = _raw_post(server.url, "/api/v1/bookings", token,
                                   padded(body, LIMIT + 1), chunked=True)
        assert (status, answer["error"]["code"]) == (413, "payload_too_large"), server.log()
        status, answer = _raw_post(server.url, "/api/v1/bookings", token,
                                   padded(body, LIMIT - 1), chunked=True)
        assert status == 422 and answer["error"]["field"] == "start_time", answer
        status, answer = _raw_post(server.url, "/api/v1/bookings", token,
                                   padded(body, LIMIT + 1), chunked=False)
        assert status == 413, answer

        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Bearer {token}\r\n".encode()
                + b"Content-Type: application/json\r\nContent-Length: 209715200\r\n\r\n"
            )
            head = sock.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 413"), head
        assert "payload_too_large" in head or "Content-Type: application/json" in head
