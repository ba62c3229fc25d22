"""The one error the scheduling core raises for input it cannot accept."""

from __future__ import annotations


class ValidationError(ValueError):
    """Input that is well-formed but breaks a scheduling rule.

    ``field`` names the input at fault (``"windows"``, ``"end_time"`` …) so that a form or the
    JSON API can point at it; ``message`` is a sentence a person can act on.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
