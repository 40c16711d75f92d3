"""ERROR for real faults only: what anyone can provoke is INFO, one line a minute (bot/quiet_log.py)."""
from __future__ import annotations

import logging

import pytest

from bot import quiet_log

PAYLOAD_AS_PLACEHOLDER = ('{"response": "/start_quiz{\\"topic\\": \\"laws\\"}", "placeholder_key": "\\"topic\\": '
                          '\\"laws\\"", "event_info": "The specified slot name does not exist"}')


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(quiet_log, "_last", {})
    monkeypatch.setattr(quiet_log, "_skipped", quiet_log.Counter())
    quiet_log.install()
    yield
    for name in {name for name, _ in quiet_log.EXPECTED}:
        logging.getLogger(name).filters.clear()


def test_a_closed_websocket_is_info_once_a_minute_without_a_traceback(caplog):
    logger = logging.getLogger("sanic.error")
    for _ in range(5):
        try:
            raise RuntimeError("Invalid response type None (need HTTPResponse)")
        except RuntimeError:
            logger.exception("Exception occurred while handling uri: 'ws://127.0.0.1:5005/socket.io/?EIO=4'")
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("INFO", None)]


def test_a_real_fault_stays_an_error_with_its_traceback(caplog):
    try:
        raise RuntimeError("Invalid response type None (need HTTPResponse)")
    except RuntimeError:
        logging.getLogger("sanic.error").exception("Exception occurred while handling uri: 'http://h/webhooks/rest/webhook'")
    logging.getLogger("rasa.core.nlg.interpolator").error('{"placeholder_key": "name", "event_info": "no such slot"}')
    assert [(r.levelname, bool(r.exc_info)) for r in caplog.records] == [("ERROR", True), ("ERROR", False)]


def test_unauthenticated_api_requests_are_info_once_a_minute(caplog):
    for _ in range(5):
        logging.getLogger("rasa.server").error("User is not authenticated.")
    logging.getLogger("rasa.server").error("Could not load the model.")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "User is not authenticated."), ("ERROR", "Could not load the model.")]


def test_a_button_payload_read_as_a_placeholder_is_not_an_error(caplog):
    for _ in range(3):
        logging.getLogger("rasa.core.nlg.interpolator").error(PAYLOAD_AS_PLACEHOLDER)
    assert [r.levelname for r in caplog.records] == ["INFO"]


def test_refusals_are_counted_when_the_next_line_is_due(caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    logger, now = logging.getLogger("bot.test"), [0.0]
    monkeypatch.setattr(quiet_log.time, "monotonic", lambda: now[0])
    for _ in range(4):
        quiet_log.refusal(logger, "Unauthenticated request refused.")
    now[0] += quiet_log.EVERY
    quiet_log.refusal(logger, "Unauthenticated request refused.")
    assert [r.getMessage() for r in caplog.records] == [
        "Unauthenticated request refused.",
        "Unauthenticated request refused. (3 more like it not logged in the last minute)"]
