"""gunicorn's own lines (starting, booting a worker, a worker timeout) as JSON, like the app's:
``gunicorn --logger-class coachapp.gunicorn_logs.JsonLogger`` (the Procfile's ``web``).

gunicorn writes no access log (the Procfile sets none): the app writes one ``coachapp.request``
line per request itself (``coachapp.logs``), with the user and the request id.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logs import JsonFormatter


class JsonLogger(Logger):
    """gunicorn's logger with every handler it sets up formatted by ``JsonFormatter``."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
