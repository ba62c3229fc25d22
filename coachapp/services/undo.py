"""Undo: every resolution on the conflicts page can be taken back for a few seconds.

A resolution that can be undone asks for a token (``offer``): the operation that reverses it and
its arguments, with who may use it and when it was made, signed with the app's secret (salt
``undo``). Undo posts the token back (``apply``): after checking the signature, its age (at most
``UNDO_SECONDS``, plus ``GRACE_SECONDS`` for the network) and that it is the same person's, the
registered reversal runs: a real change through the services, in one transaction, re-checking
that the actor manages the sessions and letting the database's constraints decide races (a time
taken meanwhile refuses the whole undo). Nothing is postponed: the resolution happened, and the
undo is a second change.

A reversal reads the state before it changes anything: when its change has been made already
(a second click, two tabs) it raises ``AlreadyUndone``, which ``apply`` answers with a sentence
saying so, and nothing is done twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from ..models import User, utcnow
from .errors import AlreadyUndone, Forbidden, UndoExpired

UNDO_SECONDS = 10
"""How long the conflicts page offers Undo after a resolution."""
GRACE_SECONDS = 5
"""Extra seconds a token stays good: the click travels over the network (and clocks differ)."""
SALT = "undo"

Reversal = Callable[..., str]
_REVERSALS: dict[str, Reversal] = {}


def reversal(op: str) -> Callable[[Reversal], Reversal]:
    """Register ``fn(actor, now, **args) -> str`` as the reversal named ``op``: it makes the change
    back (one transaction), re-checking the actor's rights, and returns the sentence for the
    coach; it raises ``AlreadyUndone`` when there is nothing left to reverse."""

    def register(fn: Reversal) -> Reversal:
        _REVERSALS[op] = fn
        return fn

    return register


class _ClockSigner(TimestampSigner):
    """A timestamp from the app's clock (``utcnow``), so a test that pins it pins the age."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def offer(actor: User, op: str, **args) -> str:
    """A signed token that lets ``actor`` (only them) run reversal ``op`` with ``args`` (JSON
    values: ids, ISO instants and dates) within ``UNDO_SECONDS``. ``op`` must be registered."""
    if op not in _REVERSALS:
        raise ValueError(f"no reversal named {op!r}")
    return _serializer().dumps({"a": actor.id, "op": op, "args": args})


def _read(token: object, now: datetime) -> dict:
    """The token's contents if it is ours and young enough."""
    if not isinstance(token, str) or not token or len(token) > 8000:
        raise Forbidden("This Undo is not valid.", field="token")
    try:
        data, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadData as exc:
        raise Forbidden("This Undo is not valid.", field="token") from exc
    age = (now - signed_at).total_seconds()
    if age > UNDO_SECONDS + GRACE_SECONDS or age < -GRACE_SECONDS:
        raise UndoExpired(
            f"Too late to undo: Undo lasts {UNDO_SECONDS} seconds. Change it back by hand.",
            field="token",
        )
    if not isinstance(data, dict) or not isinstance(data.get("args"), dict):
        raise Forbidden("This Undo is not valid.", field="token")
    return data


def apply(actor: User, token: str, now: datetime | None = None) -> str:
    """Undo what ``token`` names, for ``actor``: the reversal's sentence ("Undone: …"), or one
    saying it was undone already. Forbidden for a token that is not ours or someone else's,
    UndoExpired once its seconds are over; a reversal the state refuses raises its own error and
    changes nothing."""
    now = now or utcnow()
    data = _read(token, now)
    if data.get("a") != actor.id:
        raise Forbidden("This Undo belongs to someone else.", field="token")
    fn = _REVERSALS.get(data.get("op"))
    if fn is None:
        raise Forbidden("This Undo is not valid.", field="token")
    try:
        return fn(actor, now, **data["args"])
    except AlreadyUndone as exc:
        return exc.message


def _not_yet(actor: User, now: datetime, **args) -> str:
    from .errors import Conflict

    raise Conflict("This cannot be undone yet.")


for _op in ("uncancel", "unkeep", "move_back", "unend", "give_back"):
    reversal(_op)(_not_yet)


__all__ = ["GRACE_SECONDS", "UNDO_SECONDS", "apply", "offer", "reversal"]
