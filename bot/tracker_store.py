"""The persistent tracker store: Rasa's SQL `events` table, written privately and cheaply.

The table and its rows are exactly those of Rasa's SQLTrackerStore, so the retention command, Rasa's
own tools and a switch back to Rasa's store all keep working. Three things differ:

- Privacy: conversation ids are stored as pseudonyms (bot/pseudonyms.py), and user text, entities,
  slot values and metadata are redacted (bot/privacy.py) before anything is written.
- Only what a turn added is redacted and written. Rasa hands the whole conversation to every save;
  redacting it all each time made a turn's cost grow with the conversation.
- One round trip to read and one to write, with Core statements compiled once. Rasa's store built
  ORM queries for every message, flushed one ORM object per event and made seven round trips
  (BEGIN, SELECT, ROLLBACK to read; BEGIN, COUNT, INSERT, COMMIT to write); with redaction that was
  a quarter of a production message's CPU in the Rasa server (docs/PRODUCTION.md, "Performance").

Writing appends the events beyond those already stored, as Rasa does: the lock store makes sure one
server at a time handles a conversation. A tracker this store read knows how many of its events are
stored; for any other (a new conversation, a copy) the store counts them in the latest session, as
Rasa does. Each statement is a transaction of its own (autocommit): the write is one INSERT.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Iterable

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.sql import Select

from bot.privacy import load_redaction_data, redact_event
from bot.pseudonyms import key_from_env, pseudonym

EVENTS = SQLTrackerStore.SQLEvent.__table__
_CONVERSATION = EVENTS.c.sender_id == bindparam("sender_id")
_SESSION_START = (select(func.max(EVENTS.c.timestamp))
                  .where(_CONVERSATION, EVENTS.c.type_name == SessionStarted.type_name).scalar_subquery())
# Rasa's definition of the latest session: from its last `session_started` event, or everything
_LATEST_SESSION = _CONVERSATION & or_(EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None))

READ_SESSION = select(EVENTS.c.data).where(_LATEST_SESSION).order_by(EVENTS.c.id)
READ_ALL = select(EVENTS.c.data).where(_CONVERSATION).order_by(EVENTS.c.id)
COUNT_SESSION = select(func.count()).select_from(EVENTS).where(_LATEST_SESSION)
EXISTS = select(EVENTS.c.id).where(_CONVERSATION).limit(1)
STORED = "_events_stored"  # set on the trackers this store reads and writes: how many of their events are stored


def _row(sender_id: str, event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """The columns Rasa's SQLTrackerStore writes for an event (`data` already redacted)."""
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`PrivateSQLTrackerStore(domain, host=URL)`; the pseudonym key is `sender_id_key` or SENDER_ID_KEY.

    Reads hand back the events as stored (redacted), under the conversation id they were asked for:
    Rasa answers that id. `keys()` lists pseudonyms, which cannot be turned back into ids.
    """

    def __init__(self, domain: Domain | None = None, host: str | None = None,
                 event_broker: EventBroker | None = None, sender_id_key: str | None = None,
                 **kwargs: Any) -> None:
        self.key = sender_id_key or key_from_env()  # before connecting: fail fast
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        self.engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN, COMMIT, ROLLBACK
        # loading these takes seconds: the first conversation would wait that long, with the whole worker
        load_redaction_data()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return self._read(sender_id, READ_SESSION)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return self._read(conversation_id, READ_ALL)

    async def exists(self, conversation_id: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(EXISTS, {"sender_id": pseudonym(conversation_id, self.key)}).first() is not None

    def _read(self, sender_id: str, query: Select) -> DialogueStateTracker | None:
        with self.engine.connect() as connection:
            stored = connection.execute(query, {"sender_id": pseudonym(sender_id, self.key)}).scalars().all()
        if not stored:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in stored], self.domain.slots)
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = pseudonym(tracker.sender_id, self.key)
        with self.engine.connect() as connection:
            stored = getattr(tracker, STORED, None)
            if stored is None:
                stored = connection.execute(COUNT_SESSION, {"sender_id": sender_id}).scalar_one()
            new = [(event, redact_event(event.as_dict())) for event in itertools.islice(tracker.events, stored, None)]
            if new:
                connection.execute(EVENTS.insert(), [_row(sender_id, event, data) for event, data in new])
        setattr(tracker, STORED, len(tracker.events))
        self._publish(sender_id, (data for _, data in new))

    def _publish(self, sender_id: str, events: Iterable[dict[str, Any]]) -> None:
        """Hand the new events, as stored, to the event broker (none is configured by default)."""
        if self.event_broker is not None:
            for data in events:
                self.event_broker.publish({"sender_id": sender_id, **data})
