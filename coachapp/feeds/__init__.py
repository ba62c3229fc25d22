"""Calendar feeds: ``GET /feeds/<token>.ics``, public (the secret token is the key), no login."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from . import routes  # noqa: E402,F401
