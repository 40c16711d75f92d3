"""ERROR for real faults; what anyone can provoke is logged at INFO, at most once a minute per kind.

Unauthenticated API requests, closed websockets and refused payloads are expected on a public
server: at ERROR, and one line each, they let anybody flood the error log and hide real faults.
`refusal` logs the project's own refusals; `install` (at start-up) demotes the records Rasa and its
libraries write at ERROR for such events, or for no fault at all (EXPECTED), and rate-limits them alike.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter

EVERY = 60.0  # seconds: one line per kind of refusal at most, then how many were not logged
# (logger, what its message and exception say) of the records Rasa and its libraries write at ERROR
# for events anyone can cause, or for no fault at all
EXPECTED = [
    # Rasa's HTTP API refusing a request without valid credentials (every ErrorResponse logs its message)
    ("rasa.server", re.compile(r"User (is not authenticated|has insufficient permissions)\.$")),
    # a socket.io websocket closed by its client: engineio's Sanic handler returns no response
    ("sanic.error", re.compile(r"Exception occurred while handling uri: '\w+://[^']*/socket\.io/.*"
                               r"Invalid response type None", re.S)),
    # a button payload with entities, '/start_quiz{"topic": "laws"}', read as a slot placeholder
    # (utter_no_quiz_running): the payload is sent as written
    ("rasa.core.nlg.interpolator", re.compile(r'.*"placeholder_key": "\\"', re.S)),
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
    """On a logger of EXPECTED: its records of those events become INFO, rate-limited, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        said = message + ("\n" + repr(record.exc_info[1]) if record.exc_info and record.exc_info[1] else "")
        kind = next((f"{name}: {pattern.pattern}" for name, pattern in EXPECTED
                     if record.name == name and pattern.match(said)), None)
        if kind is None:
            return True
        due, skipped = _due(kind)
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = _with_count(message.splitlines()[0], skipped), None
        record.exc_info = record.exc_text = None
        return due


def install() -> None:
    """Filter the loggers of EXPECTED (a logger's filters see the records it logs itself)."""
    for name in {name for name, _ in EXPECTED}:
        logging.getLogger(name).addFilter(DemoteExpected())
