"""ERROR for real faults; what anyone can provoke is logged at INFO, at most once a minute per kind.

Unauthenticated API requests, closed websockets and refused payloads are expected on a public
server: at ERROR, and one line each, they let anybody flood the error log and hide real faults.
`refusal` logs the project's own refusals; `install` (at start-up) demotes the records Rasa and its
libraries write at ERROR for the same events (EXPECTED) and rate-limits them alike.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter

EVERY = 60.0  # seconds: one line per kind of refusal at most, then how many were not logged
# (logger name, the start of the message) of what Rasa and its libraries log at ERROR for expected events
EXPECTED = [
    ("sanic.error", re.compile(r"Exception occurred while handling uri: .*(ConnectionClosed|CancelledError)", re.S)),
    ("engineio.server", re.compile(r"(Invalid session|.*ConnectionClosed)", re.S)),
    ("rasa.server", re.compile(r"(Failed to authenticate|User is not authenticated)")),
]

_last: dict[str, float] = {}
_skipped: Counter[str] = Counter()


def _due(kind: str) -> tuple[bool, int]:
    """Whether a line of this kind may be logged now, and how many were left out since the last one."""
    now = time.monotonic()
    if now - _last.get(kind, float("-inf")) < EVERY:
        _skipped[kind] += 1
        return False, 0
    _last[kind] = now
    return True, _skipped.pop(kind, 0)


def _with_count(message: str, skipped: int) -> str:
    return f"{message} ({skipped} more like it not logged in the last minute)" if skipped else message


def refusal(logger: logging.Logger, message: str) -> None:
    """Log an expected refusal at INFO, rate-limited."""
    due, skipped = _due(message)
    if due:
        logger.info(_with_count(message, skipped))


class DemoteExpected(logging.Filter):
    """On a handler: records of EXPECTED events become INFO, rate-limited, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        kind = next((f"{name}: {pattern.pattern}" for name, pattern in EXPECTED
                     if record.name == name and pattern.match(message)), None)
        if kind is None:
            return True
        due, skipped = _due(kind)
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = _with_count(message.splitlines()[0], skipped), None
        record.exc_info = record.exc_text = None
        return due


def install() -> None:
    """Add the filter to the root logger's handlers, where every propagated record is written."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(DemoteExpected())
