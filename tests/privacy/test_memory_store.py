"""The embedded default forgets: a conversation idle past the session expiry is deleted from memory,
and no more than `max_conversations` are kept (bot/stores.py, MemoryTrackerStore)."""
from __future__ import annotations

import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores import MemoryTrackerStore
from tests.conftest import ROOT

DOMAIN = Domain.from_path(ROOT / "domain.yml")
EXPIRY = DOMAIN.session_config.session_expiration_time * 60  # seconds (30 minutes in domain.yml)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def said(store: MemoryTrackerStore, sender_id: str, text: str) -> None:
    tracker = DialogueStateTracker(sender_id, DOMAIN.slots)
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))


def test_a_conversation_idle_past_the_session_expiry_is_gone_from_memory():
    clock = Clock()
    store = MemoryTrackerStore(DOMAIN, clock=clock)
    said(store, "+15555550100", "my address is 12 Hidden Lane")
    clock.now += EXPIRY - 1
    said(store, "someone-else", "hi")
    assert "12 Hidden Lane" in store.store["+15555550100"]  # not idle long enough yet

    clock.now += 2
    store.forget_idle()  # what the server does once a minute
    assert "+15555550100" not in store.store and "+15555550100" not in store.last_saved
    assert not any("12 Hidden Lane" in serialised for serialised in store.store.values())
    assert asyncio.run(store.retrieve("+15555550100")) is None
    assert list(store.store) == ["someone-else"]


def test_a_new_message_keeps_a_conversation_for_another_expiry():
    clock = Clock()
    store = MemoryTrackerStore(DOMAIN, clock=clock)
    said(store, "talking", "first")
    clock.now += EXPIRY - 10
    said(store, "talking", "second")
    clock.now += EXPIRY - 10
    store.forget_idle()
    assert "second" in store.store["talking"]


def test_past_the_cap_the_longest_idle_conversation_goes_first():
    clock = Clock()
    store = MemoryTrackerStore(DOMAIN, max_conversations=3, clock=clock)
    for sender in ("a", "b", "c"):
        said(store, sender, f"text of {sender}")
        clock.now += 1
    said(store, "a", "a again")  # "a" is now the most recent
    said(store, "d", "text of d")
    assert sorted(store.store) == ["a", "c", "d"]
