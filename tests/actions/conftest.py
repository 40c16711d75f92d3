"""Run an action as the action server would: a tracker, a collecting dispatcher, the real domain."""
from __future__ import annotations

from typing import Any, Callable

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.repository import knowledge_base
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def knowledge(sqlite_engine, monkeypatch):
    """Point the actions at the test knowledge base."""
    monkeypatch.setenv("KB_DATABASE_URL", str(sqlite_engine.url))
    knowledge_base.cache_clear()
    yield
    knowledge_base.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(text: str = "", intent: str = "", entities: dict[str, str | tuple[str, str]] | None = None,
            slots: dict[str, Any] | None = None, events: list[dict[str, Any]] | None = None) -> Tracker:
    """`entities`: entity -> value, or -> (value, the words of `text` it was found in)."""
    found = []
    for entity, value in (entities or {}).items():
        if isinstance(value, tuple):
            value, words = value
            found.append({"entity": entity, "value": value, "start": text.index(words),
                          "end": text.index(words) + len(words)})
        else:
            found.append({"entity": entity, "value": value})
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": found}
    return Tracker("tester", slots or {}, message, events or [], False, None, {}, "action_listen")


@pytest.fixture()
def run(domain) -> Callable[..., tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """run(Action, text, intent, entities, slots, history) -> (messages, events); `history`: the
    conversation's events before the message."""

    def _run(action: Action, text: str = "", intent: str = "", entities: dict[str, str | tuple[str, str]] | None = None,
             slots: dict[str, Any] | None = None, history: list[dict[str, Any]] | None = None):
        dispatcher = CollectingDispatcher()
        said = {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
        events = action.run(dispatcher, tracker(text, intent, entities, slots, [*(history or []), said]), domain)
        return dispatcher.messages, events

    return _run


def replied(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The assistant's messages as events of the conversation (what a later action sees)."""
    return [{"event": "bot", "text": m.get("text"), "data": {"buttons": m.get("buttons") or []}} for m in messages]


def texts(messages: list[dict[str, Any]], events: list[dict[str, Any]] | None = None) -> str:
    """Everything the user can read: the messages, and with `events` the rest kept for "more"."""
    more = [e["value"] for e in events or [] if e.get("name") == "more_text" and e.get("value")]
    return "\n".join([*(m.get("text") or "" for m in messages), *more])
