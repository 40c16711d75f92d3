"""The persistent tracker store: Rasa's SQL `events` table on PostgreSQL, written privately and cheaply.

The table and its rows are exactly those of Rasa's SQLTrackerStore, so the retention command, Rasa's
own tools and a switch back to Rasa's store all keep working. What differs:

- Privacy: conversation ids are stored as pseudonyms (bot/pseudonyms.py), and user text, entities,
  slot values and metadata are redacted (bot/privacy.py) before anything is written.
- Only what a turn added is redacted and written. Rasa hands the whole conversation to every save;
  redacting it all each time made a turn's cost grow with the conversation.
- Reads and writes go through asyncpg, without blocking the worker's event loop: while PostgreSQL
  answers, the worker goes on with other conversations. One round trip to read a conversation and
  one to write a turn, each statement prepared once per connection and a transaction of its own.
  Rasa's store made seven round trips per message through SQLAlchemy and psycopg2, blocking the
  worker for each (docs/PRODUCTION.md, "Performance").
- Events are rebuilt with a table of event types made once; Rasa looks the type up among all
  subclasses of Event for every event of every read.

Writing appends the events beyond those already stored, as Rasa does: the lock store makes sure one
server at a time handles a conversation. A tracker this store read or created knows how many of its
events are stored; for any other (a copy, say) the store counts them in the latest session, as Rasa
does. Rasa's SQLAlchemy engine is kept for what it does once: creating the table, and `keys()`.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Iterable

import asyncpg
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import all_subclasses

from bot.per_loop import PerLoop
from bot.privacy import load_redaction_data, redact_event
from bot.pseudonyms import key_from_env, pseudonym

# Rasa's definition of the latest session: from its last `session_started` event, or everything
_SESSION_START = "(SELECT max(timestamp) FROM events WHERE sender_id = $1 AND type_name = 'session_started')"
_LATEST_SESSION = f"sender_id = $1 AND (timestamp >= {_SESSION_START} OR {_SESSION_START} IS NULL)"
READ_SESSION = f"SELECT data FROM events WHERE {_LATEST_SESSION} ORDER BY id"
READ_ALL = "SELECT data FROM events WHERE sender_id = $1 ORDER BY id"
COUNT_SESSION = f"SELECT count(*) FROM events WHERE {_LATEST_SESSION}"
EXISTS = "SELECT EXISTS (SELECT 1 FROM events WHERE sender_id = $1)"
INSERT = ("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
          "VALUES ($1, $2, $3, $4, $5, $6)")
# set on the trackers this store reads, creates and writes: how many of their events are stored
STORED = "_events_stored"
POOL_SIZE = 10  # connections per Sanic worker at most; a message holds one for a statement at a time
# Seconds to connect, and for a statement: an unreachable database fails the message soon enough for the
# last-resort answer (bot/last_resort.py) to matter, rather than after asyncpg's 60 s
CONNECT_TIMEOUT, STATEMENT_TIMEOUT = 5, 10


def _row(sender_id: str, event: Event, data: dict[str, Any]) -> tuple[Any, ...]:
    """The columns Rasa's SQLTrackerStore writes for an event (`data` already redacted), in INSERT's order."""
    return (sender_id, event.type_name, data.get("timestamp"),
            (data.get("parse_data") or {}).get("intent", {}).get("name"), data.get("name"), json.dumps(data))


class _EventTypes(dict):
    """type name -> Event subclass, filled on first use (after every module defining events is imported)."""

    def event(self, data: dict[str, Any]) -> Event | None:
        if not self:
            self.update({cls.type_name: cls for cls in all_subclasses(Event)})
        cls = self.get(data.get("event"))
        return cls._from_parameters(data) if cls else Event.from_parameters(data)  # Rasa's way for the rest

    def events(self, stored: Iterable[dict[str, Any]]) -> list[Event]:
        """Serialised events rebuilt, leaving out those Rasa cannot rebuild either (as Rasa does)."""
        return [event for event in map(self.event, stored) if event is not None]


EVENT_TYPES = _EventTypes()


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """asyncpg resets a connection's session state on its way back to the pool, a round trip each
    time; these statements change no session state."""


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`PrivateSQLTrackerStore(domain, host=URL)` (PostgreSQL); the pseudonym key is `sender_id_key` or
    SENDER_ID_KEY.

    Reads hand back the events as stored (redacted), under the conversation id they were asked for:
    Rasa answers that id. `keys()` lists pseudonyms, which cannot be turned back into ids.
    """

    def __init__(self, domain: Domain | None = None, host: str | None = None,
                 event_broker: EventBroker | None = None, sender_id_key: str | None = None,
                 **kwargs: Any) -> None:
        self.key = sender_id_key or key_from_env()  # before connecting: fail fast
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name != "postgresql":
            raise RasaException(f"{type(self).__name__} needs PostgreSQL, not {self.engine.dialect.name}")
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.engine.dispose()  # it made the table; it reconnects for keys(), and holds no idle connection till then
        self._pool = PerLoop(lambda: asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE, reset=_no_reset,
                                                         timeout=CONNECT_TIMEOUT, command_timeout=STATEMENT_TIMEOUT))
        # loading these takes seconds: the first conversation would wait that long, with the whole worker
        load_redaction_data()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._read(sender_id, READ_SESSION)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await self._read(conversation_id, READ_ALL)

    async def exists(self, conversation_id: str) -> bool:
        pool = await self._pool.get()
        return await pool.fetchval(EXISTS, pseudonym(conversation_id, self.key))

    async def _read(self, sender_id: str, query: str) -> DialogueStateTracker | None:
        pool = await self._pool.get()
        stored = await pool.fetch(query, pseudonym(sender_id, self.key))
        if not stored:
            return None
        events = EVENT_TYPES.events(json.loads(data) for (data,) in stored)
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def create_tracker(self, sender_id: str, append_action_listen: bool = True) -> DialogueStateTracker:
        """A new conversation, which Rasa creates only when a read found nothing stored. Rasa's store
        writes it at once; here the first turn's save writes it with the rest, one round trip instead
        of two, and a conversation that never gets a message (a look-up through the HTTP API) is not
        stored at all."""
        tracker = self.init_tracker(sender_id)
        if append_action_listen:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        setattr(tracker, STORED, 0)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = pseudonym(tracker.sender_id, self.key)
        pool = await self._pool.get()
        stored = getattr(tracker, STORED, None)
        if stored is None:
            stored = await pool.fetchval(COUNT_SESSION, sender_id)
        new = [(event, redact_event(event.as_dict())) for event in itertools.islice(tracker.events, stored, None)]
        if new:
            await pool.executemany(INSERT, [_row(sender_id, event, data) for event, data in new])
        setattr(tracker, STORED, len(tracker.events))
        self._publish(sender_id, (data for _, data in new))

    def _publish(self, sender_id: str, events: Iterable[dict[str, Any]]) -> None:
        """Hand the new events, as stored, to the event broker (none is configured by default)."""
        if self.event_broker is not None:
            for data in events:
                self.event_broker.publish({"sender_id": sender_id, **data})
