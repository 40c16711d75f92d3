"""The tracker and lock stores named in endpoints.yml, chosen from the environment.

TRACKER_STORE_URL  PostgreSQL URL of the tracker store (postgresql://${PGUSER}:${PGPASSWORD}@host:5432/rasa);
                   unset: conversations stay in memory and nothing is written to disk.
LOCK_STORE_URL     Redis URL of the lock store (redis://[:${REDIS_PASSWORD}@]host:6379/1[?key_prefix=rasa]);
                   unset: locks in memory, which is only right for a single Sanic worker.
SENDER_ID_KEY      with either store (or RATE_LIMIT_REDIS_URL): the secret that turns conversation ids
                   (phone numbers on SMS) into the pseudonyms written there (bot/pseudonyms.py).
SANIC_WORKERS      Sanic workers per Rasa server (1 by default); several need both stores above,
                   and so do several Rasa server instances (RASA_INSTANCES, see bot/cli.py).

Rasa expands ${VAR} in endpoints.yml only when the variable is set, so the defaults cannot live
there; Rasa instantiates the class endpoints.yml names instead, and these classes hand back the
store the environment asks for: Rasa's in-memory stores; Rasa's SQL tracker store made private and
lean (bot/tracker_store.py); Rasa's Redis lock store, with two changes (waiting for a turn, and
pseudonyms for the keys) in the subclasses below.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict, deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Mapping
from urllib.parse import parse_qs, urlsplit

import redis.asyncio
from rasa.core.brokers.broker import EventBroker
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from sanic import Sanic
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import bot.action_fallback  # noqa: F401  every Rasa process loads this module through endpoints.yml
from bot.per_loop import PerLoop
from bot.pseudonyms import key_from_env, pseudonym
from bot.tracker_store import CONNECT_TIMEOUT, EVENT_TYPES, PrivateSQLTrackerStore

TRACKER_STORE_URL = "TRACKER_STORE_URL"
LOCK_STORE_URL = "LOCK_STORE_URL"
SANIC_WORKERS = "SANIC_WORKERS"
RASA_INSTANCES = "RASA_INSTANCES"
RATE_LIMIT_REDIS_URL = "RATE_LIMIT_REDIS_URL"  # bot/security.py
MAX_CONVERSATIONS = 10_000  # kept in memory by the embedded default, the longest idle forgotten first
FORGET_EVERY = 60  # seconds between looks for idle conversations in memory
TABLE_CREATION_LOCK = 0x7261736120  # any fixed number: the PostgreSQL advisory lock for create_tracker_table

logger = logging.getLogger(__name__)


def _count(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env.get(name) or 1)
    except ValueError:
        raise RasaException(f"{name} must be a whole number, not {env[name]!r}") from None


def configuration_errors(env: Mapping[str, str]) -> list[str]:
    """What is wrong with the stores the environment asks for (an empty list when nothing is)."""
    errors = []
    for name in (SANIC_WORKERS, RASA_INSTANCES):
        try:
            count = _count(env, name)
        except RasaException as error:
            errors.append(str(error))
            continue
        # In-memory stores are per process: a second worker or instance would not see the
        # conversations of the first, nor respect its locks.
        missing = [var for var in (TRACKER_STORE_URL, LOCK_STORE_URL) if not env.get(var)]
        if count > 1 and missing:
            errors.append(f"{name}={count} needs {' and '.join(missing)}: in-memory stores are per process")
    url = env.get(TRACKER_STORE_URL)
    if url and not urlsplit(url).scheme.startswith("postgresql"):
        errors.append(f"{TRACKER_STORE_URL} must be a postgresql:// URL")
    url = env.get(LOCK_STORE_URL)
    if url and urlsplit(url).scheme not in ("redis", "rediss"):
        errors.append(f"{LOCK_STORE_URL} must be a redis:// URL")
    if any(env.get(var) for var in (TRACKER_STORE_URL, LOCK_STORE_URL, RATE_LIMIT_REDIS_URL)):
        try:
            key_from_env(env)
        except RasaException as error:
            errors.append(str(error))
    return errors


def _check(env: Mapping[str, str]) -> None:
    errors = configuration_errors(env)
    if errors:
        raise RasaException("; ".join(errors))


class MemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store (the default), which forgets, and rebuilds the events of each read with the
    table of event types (bot/tracker_store.py) instead of Rasa's search among every subclass of Event.

    Rasa's store keeps every conversation's text, under its sender id (a phone number on SMS), for
    the life of the process; the session expiry only starts a new session in it. Here a conversation
    is deleted once idle for longer than the session expiry (domain.yml `session_config`): at each
    save, and once a minute (`forget_idle_conversations`). At most `max_conversations` are kept: past
    that, the longest idle goes first. A message after that finds no conversation and starts a new
    one, as it would have after the expiry anyway.
    """

    def __init__(self, domain: Domain, event_broker: EventBroker | None = None,
                 max_conversations: int = MAX_CONVERSATIONS, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(domain, event_broker)
        self.max_conversations, self.clock = max_conversations, clock
        self.last_saved: OrderedDict[str, float] = OrderedDict()  # least recently saved first

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self.last_saved[tracker.sender_id] = self.clock()
        self.last_saved.move_to_end(tracker.sender_id)
        self.forget_idle()

    def forget_idle(self) -> None:
        """Delete the conversations idle for longer than the session expiry, and the oldest over the cap."""
        minutes = self.domain.session_config.session_expiration_time if self.domain else 0
        oldest_kept = self.clock() - minutes * 60 if minutes > 0 else float("-inf")  # 0: sessions never expire
        while self.last_saved:
            sender_id, saved = next(iter(self.last_saved.items()))
            if saved >= oldest_kept and len(self.last_saved) <= self.max_conversations:
                break
            del self.last_saved[sender_id]
            self.store.pop(sender_id, None)

    def deserialise_tracker(self, sender_id: str, serialised_tracker: str | bytes) -> DialogueStateTracker:
        dialogue = json.loads(serialised_tracker)
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(dialogue["name"], EVENT_TYPES.events(dialogue["events"])))
        return tracker


async def forget_idle_conversations(app: Sanic, _loop: Any = None) -> None:
    """Listener (after_server_start): with the in-memory store, forget idle conversations once a minute
    even when no message comes to trigger it."""
    store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
    store = getattr(store, "_tracker_store", store)  # Rasa wraps the store in a FailSafeTrackerStore
    if isinstance(store, MemoryTrackerStore):
        app.add_task(_forget_periodically(store), name="forget_idle_conversations")  # named: cancelled at stop


async def _forget_periodically(store: MemoryTrackerStore) -> None:
    while True:
        await asyncio.sleep(FORGET_EVERY)
        store.forget_idle()


def tracker_store_from_env(domain: Domain | None = None, event_broker: EventBroker | None = None,
                           env: Mapping[str, str] = os.environ) -> TrackerStore:
    _check(env)
    url = env.get(TRACKER_STORE_URL)
    if not url:
        return MemoryTrackerStore(domain or Domain.empty(), event_broker)
    # Creates the `events` table when missing; waits for the database while it starts up. What is
    # written has phone numbers, emails, addresses and names redacted, and pseudonyms for conversation
    # ids (bot/tracker_store.py).
    return PrivateSQLTrackerStore(domain=domain, host=url, event_broker=event_broker, sender_id_key=key_from_env(env))


def create_tracker_table(env: Mapping[str, str] = os.environ) -> None:
    """Create Rasa's `events` table before the workers start.

    Every worker's SQLTrackerStore creates the table when it is missing. On a fresh database they
    race: all but one log PostgreSQL's UniqueViolation and start 5 s later. Here one process at a
    time creates it (an advisory lock, for instances starting together), and the workers find it.
    """
    url = env.get(TRACKER_STORE_URL)
    if not url:
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": TABLE_CREATION_LOCK})
            SQLTrackerStore.Base.metadata.create_all(connection)
    except OperationalError as error:  # the database is not up yet: Rasa's store waits for it
        logger.warning(f"Tracker store not reachable yet: {error.__class__.__name__}")
    finally:
        engine.dispose()


def redis_options(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments from a redis:// URL."""
    parts = urlsplit(url)
    options: dict[str, Any] = {"host": parts.hostname or "localhost", "port": parts.port or 6379,
                               "db": int(parts.path.strip("/") or 1), "use_ssl": parts.scheme == "rediss"}
    if parts.username:
        options["username"] = parts.username
    if parts.password:
        options["password"] = parts.password
    prefix = parse_qs(parts.query).get("key_prefix")
    if prefix:
        options["key_prefix"] = prefix[0]
    return options


class _ServedInTurn:
    """Rasa's ticket lock, without a way to wait forever.

    Rasa serves the lowest ticket still in the lock and drops tickets once their lifetime is over. A
    ticket can vanish while its message waits: it expires in the same one-second poll as the ticket
    ahead of it (a server died handling the conversation's previous message, and the retry came
    right after), or another server wrote the lock back without it (Rasa reads, changes and writes
    the lock in separate steps). Rasa then waits for a turn that never comes, and the person gets no
    answer. Here a message goes ahead as soon as no live ticket is ahead of its own, which is the
    same order while every ticket is there. Waiting only reads the lock: expired tickets are dropped
    when the next ticket is issued or handed back.
    """

    get_lock: Callable[[str], TicketLock | None]  # from the lock store this is mixed into

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:
                return TicketLock(conversation_id)  # removed by the last one served: nobody is ahead
            if not any(t.number < ticket and not t.has_expired() for t in lock.tickets):
                return lock
            await asyncio.sleep(wait_time_in_seconds)


# Rasa's lock format (a JSON lock holding JSON tickets), changed in one step on the Redis server: Rasa
# reads, changes and writes it back in six or seven round trips, and a server writing back a lock it
# read before another server's change drops that change. ARGV: the time now, then as named.
_LIVE_TICKETS = """
local now, live = tonumber(ARGV[1]), {}
local stored = redis.call('GET', KEYS[1])
if stored then
  for _, serialised in ipairs(cjson.decode(stored).tickets) do
    local ticket = cjson.decode(serialised)
    if ticket.expires >= now then table.insert(live, ticket) end
  end
end
local function save(tickets)
  if #tickets == 0 then return redis.call('DEL', KEYS[1]) end
  local serialised = {}
  for i, ticket in ipairs(tickets) do serialised[i] = cjson.encode(ticket) end
  return redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[2], tickets = serialised}))
end
"""
# ARGV[2] conversation id, ARGV[3] lifetime; returns the new ticket and how many live tickets are ahead
ISSUE_TICKET = _LIVE_TICKETS + """
local number = 0
if #live > 0 then number = live[#live].number + 1 end
table.insert(live, {number = number, expires = now + tonumber(ARGV[3])})
save(live)
return {number, #live - 1}
"""
# ARGV[2] conversation id, ARGV[3] the ticket served; the lock goes once no live ticket is left
RETURN_TICKET = _LIVE_TICKETS + """
local others = {}
for _, ticket in ipairs(live) do
  if ticket.number ~= tonumber(ARGV[3]) then table.insert(others, ticket) end
end
return save(others)
"""


async def _scripts(client: redis.asyncio.Redis) -> tuple[AsyncScript, AsyncScript]:
    return client.register_script(ISSUE_TICKET), client.register_script(RETURN_TICKET)


class TurnRedisLockStore(_ServedInTurn, RedisLockStore):
    """Rasa's Redis lock store, in two round trips per message (a Lua script to take a ticket, one to
    hand it back) and under the conversation's pseudonym (bot/pseudonyms.py), not its id: on SMS the
    id is a phone number, and the lock's key and content would hold it while a message is handled."""

    def __init__(self, sender_id_key: str, **redis_options: Any) -> None:
        super().__init__(**redis_options)
        self.sender_id_key = sender_id_key
        # Rasa's client (self.red) blocks the event loop for each round trip; taking and handing back
        # a ticket, twice per message, goes through an asyncio client with the same settings.
        settings = self.red.connection_pool.connection_kwargs
        self._scripts = PerLoop(lambda: _scripts(redis.asyncio.Redis(
            host=settings["host"], port=settings["port"], db=settings["db"], username=settings.get("username"),
            password=settings.get("password"), ssl=redis_options.get("use_ssl", False),
            socket_timeout=settings.get("socket_timeout"), socket_connect_timeout=CONNECT_TIMEOUT)))

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        # every caller in Rasa (agent, processor, HTTP API) takes the lock through this method
        conversation_id = pseudonym(conversation_id, self.sender_id_key)
        key = self.key_prefix + conversation_id
        try:
            issue_ticket, return_ticket = await self._scripts.get()
            ticket, ahead = await issue_ticket(keys=[key], args=[time.time(), conversation_id, lock_lifetime])
        except RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            if ahead:
                yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            else:
                yield TicketLock(conversation_id, deque([Ticket(ticket, time.time() + lock_lifetime)]))
        finally:
            await return_ticket(keys=[key], args=[time.time(), conversation_id, ticket])


class TurnInMemoryLockStore(_ServedInTurn, InMemoryLockStore):
    pass


def lock_store_from_env(env: Mapping[str, str] = os.environ) -> LockStore:
    _check(env)
    url = env.get(LOCK_STORE_URL)
    if not url:
        return TurnInMemoryLockStore()
    return TurnRedisLockStore(key_from_env(env), **redis_options(url))


class EnvTrackerStore:
    """endpoints.yml: `tracker_store: {type: bot.stores.EnvTrackerStore}`."""

    def __new__(cls, domain: Domain | None = None, event_broker: EventBroker | None = None,
                **_: Any) -> TrackerStore:
        return tracker_store_from_env(domain, event_broker)


class EnvLockStore:
    """endpoints.yml: `lock_store: {type: bot.stores.EnvLockStore}`."""

    def __new__(cls, **_: Any) -> LockStore:
        return lock_store_from_env()
