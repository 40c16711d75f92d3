"""The private SQL tracker store on a real PostgreSQL: read back the raw rows, and read them with Rasa's store."""
from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import text

import bot.tracker_store
from bot.pseudonyms import pseudonym
from bot.tracker_store import PrivateSQLTrackerStore
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


def sql_store(tracker_database, domain, store_class: type[SQLTrackerStore] = PrivateSQLTrackerStore,
              **kwargs) -> SQLTrackerStore:
    return store_class(domain, dialect="postgresql", host=tracker_database.host, port=tracker_database.port,
                       db=tracker_database.database, username=tracker_database.username, **kwargs)


def turn(text: str, entity_value: str) -> list:
    parse_data = {"text": text, "intent": {"name": "inform", "confidence": 0.9},
                  "entities": [{"entity": "person", "value": entity_value, "start": 0, "end": 1}]}
    return [UserUttered(text, parse_data["intent"], parse_data["entities"], parse_data,
                        metadata={"from": {"phone": "555-201-3344"}}),
            SlotSet("us_state", "Ohio"), SlotSet("situation", "maria.lopez@example.org"),
            ActionExecuted("utter_hotline"), BotUttered(HOTLINE_REPLY), ActionExecuted("action_listen")]


@pytest.fixture()
def store(tracker_database, domain) -> PrivateSQLTrackerStore:
    return sql_store(tracker_database, domain, sender_id_key=KEY)


def saved_first_turn(store: PrivateSQLTrackerStore, sender: str, text: str, entity_value: str) -> DialogueStateTracker:
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
    config = EndpointConfig(type="bot.tracker_store.PrivateSQLTrackerStore", dialect="postgresql",
                            url=tracker_database.host, port=tracker_database.port, db=tracker_database.database,
                            username=tracker_database.username)
    store = TrackerStore.create(config, domain)
    assert isinstance(store, PrivateSQLTrackerStore)
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
    other_key = sql_store(raw.url, store.domain, sender_id_key="some-other-key-of-16")
    assert asyncio.run(other_key.retrieve(phone)) is None and not asyncio.run(other_key.exists(phone))


def test_without_a_key_the_store_refuses_to_start(tracker_database, domain, monkeypatch):
    monkeypatch.delenv("SENDER_ID_KEY", raising=False)
    with pytest.raises(RasaException, match="SENDER_ID_KEY"):
        sql_store(tracker_database, domain)



def test_a_turn_redacts_and_writes_only_the_events_it_added(store, raw, monkeypatch):
    """Rasa hands the whole conversation to every save: redacting it all made each turn dearer."""
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, "hi", "x")
    stored_before = rows(raw, pseudonym(sender, KEY))
    redacted, redact = [], bot.tracker_store.redact_event

    def counted(event: dict) -> dict:
        redacted.append(event["event"])
        return redact(event)

    monkeypatch.setattr(bot.tracker_store, "redact_event", counted)
    added = turn("and call me Keisha", "Keisha")
    for event in added:
        tracker.update(event)
    asyncio.run(store.save(tracker))

    assert redacted == [event.type_name for event in added]
    stored = rows(raw, pseudonym(sender, KEY))
    assert stored[:len(stored_before)] == stored_before and len(stored) == len(tracker.events)
    assert "Keisha" not in str(stored)


def test_a_turn_is_one_read_and_one_write(tracker_database, domain, monkeypatch):
    """Rasa's store made seven round trips per message; a new conversation needs no count either."""
    statements: list[str] = []
    create_pool = asyncpg.create_pool

    def logged_pool(*args, **kwargs):
        async def log(connection: asyncpg.Connection) -> None:
            connection.add_query_logger(lambda query: statements.append(query.query.split()[0]))
        return create_pool(*args, init=log, **kwargs)

    monkeypatch.setattr(asyncpg, "create_pool", logged_pool)
    store = sql_store(tracker_database, domain, sender_id_key=KEY)
    sender = f"privacy-{uuid.uuid4().hex}"

    async def two_turns() -> list[list[str]]:
        per_turn = []
        for message in ("hi", "who is at risk?"):
            statements.clear()
            tracker = await store.get_or_create_tracker(sender)  # what Rasa does with every message
            tracker.update_with_events(turn(message, "x"), domain)
            await store.save(tracker)
            per_turn.append(list(statements))
        return per_turn

    first, second = asyncio.run(two_turns())
    assert first == second == ["SELECT", "INSERT"]  # a new conversation too: Rasa's store wrote it twice


def test_rasa_s_own_store_reads_what_is_written(store, tracker_database, domain):
    """Same table, same rows: Rasa's tools, the retention command and a switch back keep working."""
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, MESSAGE, "Maria Lopez")
    rasa_store = sql_store(tracker_database, domain, SQLTrackerStore)
    kept = asyncio.run(rasa_store.retrieve(pseudonym(sender, KEY)))
    ours = asyncio.run(store.retrieve(sender))
    assert [e.as_dict() for e in kept.events] == [e.as_dict() for e in ours.events]
    assert [e.type_name for e in kept.events] == [e.type_name for e in tracker.events]
    assert kept.get_slot("us_state") == "Ohio" and kept.latest_message.intent["name"] == "inform"
    with rasa_store.engine.connect() as connection:
        columns = connection.execute(text("SELECT intent_name, action_name FROM events WHERE sender_id = :s "
                                          "AND type_name IN ('user', 'action') ORDER BY id"),
                                     {"s": pseudonym(sender, KEY)}).all()
    assert columns == [(None, "action_listen"), ("inform", None), (None, "utter_hotline"), (None, "action_listen")]


def test_a_new_session_is_read_on_its_own_and_the_whole_conversation_stays(store):
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, "hi", "x")
    first_session = len(tracker.events)
    new_session = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                   *turn("hello again", "x")]
    for event in new_session:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # saved again with nothing new: nothing written twice
    # a turn in the new session appends to it, however long the conversation before it was; also from
    # a copy, which the store did not read, so it counts what is stored in the latest session
    for read in (lambda: asyncio.run(store.retrieve(sender)), lambda: asyncio.run(store.retrieve(sender)).copy()):
        tracker = read()
        tracker.update(UserUttered("one more"))
        asyncio.run(store.save(tracker))

    latest = asyncio.run(store.retrieve(sender))
    assert [e.type_name for e in latest.events][:2] == ["session_started", "action"]
    assert [e.text for e in latest.events if e.type_name == "user"][-2:] == ["one more", "one more"]
    assert len(latest.events) == len(new_session) + 1  # from session_started on, plus the two messages
    everything = asyncio.run(store.retrieve_full_tracker(sender))
    assert len(everything.events) == first_session + len(new_session) + 2


class CollectingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def test_an_event_broker_gets_each_new_event_once_as_stored(tracker_database, domain):
    broker = CollectingBroker()
    store = sql_store(tracker_database, domain, sender_id_key=KEY, event_broker=broker)
    sender = f"privacy-{uuid.uuid4().hex}"
    tracker = saved_first_turn(store, sender, MESSAGE, "Maria Lopez")
    asyncio.run(store.save(tracker))  # nothing new: nothing published

    assert [e["event"] for e in broker.published] == [e.type_name for e in tracker.events]
    assert {e["sender_id"] for e in broker.published} == {pseudonym(sender, KEY)}
    assert not [p for p in PERSONAL if p in json.dumps(broker.published)]
