"""The log handler never swallows a worker's stop (RQ raises StopRequested from its SIGTERM
handler wherever the worker is, also inside a log line's write)."""

from __future__ import annotations

import logging

import pytest
from rq.exceptions import StopRequested

from coachapp.logs import JsonLineHandler


def _record() -> logging.LogRecord:
    return logging.LogRecord("rq.worker", logging.ERROR, __file__, 1, "retrying", None, None)


def test_a_stop_raised_while_writing_a_line_goes_on_to_the_worker():
    handler = JsonLineHandler()
    with pytest.raises(StopRequested):
        try:
            raise StopRequested()
        except StopRequested:
            handler.handleError(_record())


def test_any_other_failed_write_is_reported_and_logging_goes_on(capsys):
    handler = JsonLineHandler()
    try:
        raise OSError("disk full")
    except OSError:
        handler.handleError(_record())
    assert "--- Logging error ---" in capsys.readouterr().err
