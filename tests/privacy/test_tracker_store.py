"""RedactingTrackerStore around a real SQLTrackerStore on PostgreSQL: read back the raw rows."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import text

from bot.privacy import RedactingTrackerStore
from bot.pseudonyms import pseudonym
from tests.conftest import ROOT
from tests.privacy.conftest import rows

PERSONAL = ["Maria Lopez", "555-201-3344", "maria.lopez@example.org", "1423 Maple Street"]
MESSAGE = ("my name is Maria Lopez, call 555-201-3344 or write to maria.lopez@example.org, "
           "I live at 1423 Maple Street")
HOTLINE_REPLY = "Call the National Human Trafficking Hotline at 1-888-373-7888 or text 233733."
KEY = "privacy-test-sender-id-key"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def sql_store(tracker_database, domain) -> SQLTrackerStore:
    return SQLTrackerStore(domain, dialect="postgresql", host=tracker_database.host, port=tracker_database.port,
                           db=tracker_database.database, username=tracker_database.username)


def turn(text: str, entity_value: str) -> list:
    parse_data = {"text": text, "intent": {"name": "inform", "confidence": 0.9},
                  "entities": [{"entity": "person", "value": entity_value, "start": 0, "end": 1}]}
    return [UserUttered(text, parse_data["intent"], parse_data["entities"], parse_data,
                        metadata={"from": {"phone": "555-201-3344"}}),
            SlotSet("us_state", "Ohio"), SlotSet("situation", "maria.lopez@example.org"),
            ActionExecuted("utter_hotline"), BotUttered(HOTLINE_REPLY), ActionExecuted("action_listen")]


@pytest.fixture()
def store(tracker_database, domain) -> RedactingTrackerStore:
    return RedactingTrackerStore(sql_store(tracker_database, domain), sender_id_key=KEY)


def saved_first_turn(store: RedactingTrackerStore, sender: str, text: str, entity_value: str) -> DialogueStateTracker:
    """A conversation's first turn, saved the way Rasa saves it after the turn."""
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), *turn(text, entity_value)],
                                               store.domain.slots)
    asyncio.run(store.save(tracker))
    return tracker


def test_personal_data_never_reaches_the_database(store, raw):
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, MESSAGE, "Maria Lopez")

    stored = rows(raw, pseudonym(sender, KEY))
    assert [type_name for type_name, _ in stored] == [e.type_name for e in tracker.events]
    everything = " ".join(data for _, data in stored)
    assert not [p for p in PERSONAL if p in everything]
    user = json.loads(stored[1][1])
    assert user["text"] == "my name is [NAME], call [PHONE] or write to [EMAIL], I live at [ADDRESS]"
    assert user["parse_data"]["text"] == user["text"]
    assert user["parse_data"]["entities"][0]["value"] == "[NAME]"
    assert user["parse_data"]["intent"]["name"] == "inform"
    assert user["metadata"] == {"from": {"phone": "[PHONE]"}}
    assert user["timestamp"] == tracker.events[1].timestamp
    slots = {json.loads(d)["name"]: json.loads(d)["value"] for t, d in stored if t == "slot"}
    assert slots == {"us_state": "Ohio", "situation": "[EMAIL]"}
    bot = next(json.loads(d) for t, d in stored if t == "bot")
    assert bot["text"] == HOTLINE_REPLY  # vetted numbers in bot messages are stored as sent


def test_later_turns_append_only_their_own_events(store, raw):
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, "hi", "x")
    for event in turn("I'm Keisha, text me at 555-444-1212", "Keisha"):
        tracker.update(event)
    asyncio.run(store.save(tracker))

    stored = rows(raw, pseudonym(sender, KEY))
    assert len(stored) == len(tracker.events)
    assert "Keisha" not in str(stored) and "555-444-1212" not in str(stored)
    retrieved = asyncio.run(store.retrieve(sender))
    assert [e.type_name for e in retrieved.events] == [e.type_name for e in tracker.events]
    assert retrieved.latest_message.text == "I'm [NAME], text me at [PHONE]"
    assert pseudonym(sender, KEY) in asyncio.run(store.keys())  # only pseudonyms are listed


def test_the_store_can_be_configured_in_endpoints_yml(tracker_database, domain, raw, monkeypatch):
    monkeypatch.setenv("SENDER_ID_KEY", KEY)
    config = EndpointConfig(type="bot.privacy.RedactingTrackerStore", wrapped_type="sql", dialect="postgresql",
                            url=tracker_database.host, port=tracker_database.port, db=tracker_database.database,
                            username=tracker_database.username)
    store = TrackerStore.create(config, domain)
    assert isinstance(store, RedactingTrackerStore) and isinstance(store.inner, SQLTrackerStore)
    sender = f"privacy-{uuid.uuid4().hex}"
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, turn(MESSAGE, "Maria"), domain.slots)))
    stored = rows(raw, pseudonym(sender, KEY))
    assert stored and "Maria" not in str(stored)


def test_a_phone_number_as_conversation_id_is_stored_as_a_pseudonym(store, raw):
    """On SMS the conversation id is the sender's phone number."""
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    tracker = saved_first_turn(store, phone, "hi", "x")

    with raw.connect() as connection:
        stored_ids = [row.sender_id for row in connection.execute(text("SELECT DISTINCT sender_id FROM events"))]
    assert phone not in stored_ids and pseudonym(phone, KEY) in stored_ids
    assert phone[2:] not in str(rows(raw, pseudonym(phone, KEY)))
    # Rasa finds the conversation by the phone number, and answers that number
    for kept in (asyncio.run(store.retrieve(phone)), asyncio.run(store.retrieve_full_tracker(phone))):
        assert kept.sender_id == phone and [e.type_name for e in kept.events] == [e.type_name for e in tracker.events]
    assert asyncio.run(store.exists(phone))
    # another key, another pseudonym: without the key nobody can find the number's conversation
    assert asyncio.run(RedactingTrackerStore(store.inner, sender_id_key="some-other-key-of-16").retrieve(phone)) is None


def test_without_a_key_the_store_refuses_to_start(tracker_database, domain, monkeypatch):
    monkeypatch.delenv("SENDER_ID_KEY", raising=False)
    with pytest.raises(RasaException, match="SENDER_ID_KEY"):
        RedactingTrackerStore(sql_store(tracker_database, domain))
