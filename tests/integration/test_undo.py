"""Undo (issue 18 item 4): a resolution on the conflicts page can be reversed for a few seconds
through the services. The token (signed, aged, the actor's own) and, per reversal, the state after
the undo equals the state before the resolution. The gym fixture's coach Carla works Mon–Fri
09:00–12:00 in Studio A (default Studio B)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coachapp.services import undo
from coachapp.services.errors import Conflict, Forbidden, UndoExpired
from tests.clock import pin_clock
from tests.integration.service_helpers import NOW

CALLS: list[tuple] = []


@undo.reversal("test_echo")
def _echo(actor, now, **args):
    """A reversal for the token tests: records its call."""
    CALLS.append((actor.id, now, args))
    return f"Undone: {args['what']}."


@pytest.fixture
def clock(monkeypatch):
    """The app's clock pinned to NOW (tokens are stamped with it)."""
    pin_clock(monkeypatch, lambda: NOW)
    CALLS.clear()


def test_a_token_runs_its_reversal_for_its_actor(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="the keep", ids=[1, 2])
    assert undo.apply(gym.coach, token, now=NOW + timedelta(seconds=3)) == "Undone: the keep."
    assert CALLS == [
        (gym.coach.id, NOW + timedelta(seconds=3), {"what": "the keep", "ids": [1, 2]})
    ]


def test_undo_lasts_its_seconds_and_a_little_grace(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="x")
    late = NOW + timedelta(seconds=undo.UNDO_SECONDS + undo.GRACE_SECONDS)
    assert undo.apply(gym.coach, token, now=late) == "Undone: x."
    with pytest.raises(UndoExpired, match="Too late to undo") as caught:
        undo.apply(gym.coach, token, now=late + timedelta(seconds=2))
    assert (caught.value.status, caught.value.code) == (410, "undo_expired")
    assert len(CALLS) == 1


def test_a_token_of_someone_else_or_altered_is_refused(gym, clock):
    token = undo.offer(gym.coach, "test_echo", what="x")
    with pytest.raises(Forbidden, match="belongs to someone else"):
        undo.apply(gym.other_coach, token, now=NOW)
    with pytest.raises(Forbidden, match="not valid"):
        undo.apply(gym.coach, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=NOW)
    for bad in ("", "x" * 9000, "abc.def.ghi"):
        with pytest.raises(Forbidden, match="not valid"):
            undo.apply(gym.coach, bad, now=NOW)
    assert CALLS == []


def test_a_token_signed_with_another_salt_or_key_is_refused(app, gym, clock):
    from itsdangerous import URLSafeTimedSerializer

    payload = {"a": gym.coach.id, "op": "test_echo", "args": {"what": "x"}}
    for key, salt in ((app.config["SECRET_KEY"], "other"), ("not-the-key", undo.SALT)):
        forged = URLSafeTimedSerializer(key, salt=salt).dumps(payload)
        with pytest.raises(Forbidden):
            undo.apply(gym.coach, forged, now=NOW)


def test_only_registered_operations_are_offered(gym):
    with pytest.raises(ValueError):
        undo.offer(gym.coach, "no_such_op")
    for op in ("uncancel", "unkeep", "move_back", "unend", "give_back"):
        assert undo.offer(gym.coach, op, session_ids=[1])


def test_a_refusal_of_the_reversal_reaches_the_caller(gym, clock):
    @undo.reversal("test_refuse")
    def _refuse(actor, now, **args):
        raise Conflict("The time has been taken meanwhile.")

    token = undo.offer(gym.coach, "test_refuse")
    with pytest.raises(Conflict, match="taken meanwhile"):
        undo.apply(gym.coach, token, now=NOW)
