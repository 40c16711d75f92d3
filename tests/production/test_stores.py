"""endpoints.yml's stores, created the way Rasa creates them, against the real PostgreSQL and Redis."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable

import pytest
import redis
import sqlalchemy as sa
from rasa.core.actions import action as rasa_actions
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.action_fallback import ActionWithFallback
from bot.pseudonyms import pseudonym
from bot.stores import TurnRedisLockStore, configuration_errors, create_tracker_table, redis_options
from bot.tracker_store import PrivateSQLTrackerStore
from tests.conftest import ROOT, fresh_database

DOMAIN = Domain.from_path(ROOT / "domain.yml")
SENDER_ID_KEY = "stores-test-sender-id-key"


def stores(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[TrackerStore, LockStore]:
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "SANIC_WORKERS", "RASA_INSTANCES"):
        monkeypatch.delenv(name, raising=False)
    defaults = {"ACTION_SERVER_URL": "http://127.0.0.1:1/webhook", "SENDER_ID_KEY": SENDER_ID_KEY}
    for name, value in {**defaults, **env}.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    return TrackerStore.create(endpoints.tracker_store, DOMAIN), LockStore.create(endpoints.lock_store)


def test_by_default_everything_stays_in_memory(monkeypatch):
    tracker_store, lock_store = stores(monkeypatch)
    assert isinstance(tracker_store, InMemoryTrackerStore) and isinstance(lock_store, InMemoryLockStore)


def test_the_in_memory_store_hands_back_what_it_was_given(monkeypatch):
    tracker_store, _ = stores(monkeypatch)
    tracker = DialogueStateTracker("memory-test", DOMAIN.slots)
    tracker.update_with_events([
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("quiz me", {"name": "start_quiz", "confidence": 0.9},
                    [{"entity": "us_state", "value": "OH", "start": 0, "end": 4}]),
        ActionExecuted("quiz_form"), ActiveLoop("quiz_form"), SlotSet("us_state", "OH"),
        BotUttered("Question 1", {"buttons": [{"title": "A", "payload": "A"}]})], DOMAIN)
    asyncio.run(tracker_store.save(tracker))
    stored = asyncio.run(tracker_store.retrieve("memory-test"))
    assert list(stored.events) == list(tracker.events)
    assert stored.current_slot_values() == tracker.current_slot_values()
    assert stored.active_loop_name == "quiz_form"


def test_conversations_are_kept_in_postgresql(monkeypatch, tracker_store_url):
    tracker_store, _ = stores(monkeypatch, TRACKER_STORE_URL=tracker_store_url)
    assert isinstance(tracker_store, PrivateSQLTrackerStore)
    tracker = DialogueStateTracker("stores-test", DOMAIN.slots)
    tracker.update_with_events([UserUttered("hello, call me at jane@example.org"), SlotSet("us_state", "OH")], DOMAIN)
    asyncio.run(tracker_store.save(tracker))
    # A second store, as another server instance would have, sees the same conversation, redacted.
    other, _ = stores(monkeypatch, TRACKER_STORE_URL=tracker_store_url)
    kept = asyncio.run(other.retrieve("stores-test"))
    assert kept is not None and kept.get_slot("us_state") == "OH"
    assert kept.latest_message.text == "hello, call me at [EMAIL]"


def test_locks_are_kept_in_redis_under_their_own_prefix_and_a_pseudonym(monkeypatch, lock_store_url):
    _, lock_store = stores(monkeypatch, LOCK_STORE_URL=lock_store_url)
    assert isinstance(lock_store, RedisLockStore)
    prefix = lock_store_url.split("key_prefix=")[1]
    client = redis.Redis.from_url(lock_store_url.split("?")[0])

    phone = "+15555550123"  # on SMS the conversation id is the sender's phone number

    async def hold() -> dict[bytes, bytes]:
        async with lock_store.lock(phone):
            return {key: client.get(key) for key in client.scan_iter(f"{prefix}:lock:*")}

    held = asyncio.run(hold())
    assert list(held) == [f"{prefix}:lock:{pseudonym(phone, SENDER_ID_KEY)}".encode()]
    assert phone.encode() not in b"".join(held.values())
    assert not list(client.scan_iter(f"{prefix}:lock:*"))  # deleted once the message is handled


async def ticks_while(waiting: Awaitable[Any], seconds: float) -> tuple[int, Any]:
    """How often a 10 ms timer fired on this event loop while `waiting` ran (about `seconds` long),
    and what it returned: a Sanic worker serves its other conversations only while the loop turns."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.ensure_future(tick())
    await asyncio.sleep(0.05)
    started, result = ticks, await waiting
    ticking.cancel()
    return ticks - started, result


def test_a_worker_goes_on_with_other_conversations_while_postgresql_answers(monkeypatch, tracker_store_url):
    """A conversation read waits behind a table lock for 1 s; the worker's event loop keeps turning."""
    tracker_store, _ = stores(monkeypatch, TRACKER_STORE_URL=tracker_store_url)
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events("waits", [UserUttered("hi")], DOMAIN.slots)))
    engine = sa.create_engine(tracker_store_url, future=True)
    with engine.connect() as holder:
        holder.execute(sa.text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))  # until the rollback a second later
        release = threading.Timer(1.0, holder.rollback)
        release.start()
        try:
            ticks, tracker = asyncio.run(ticks_while(tracker_store.retrieve("waits"), 1.0))
        finally:
            release.join()
    engine.dispose()
    assert tracker.latest_message.text == "hi"
    assert ticks >= 40  # a read that blocked the loop (psycopg2, as in Rasa's store) lets it turn about once


def test_a_worker_goes_on_with_other_conversations_while_redis_answers(lock_store_url):
    """Redis pauses every client for 1 s while a lock is taken; the worker's event loop keeps turning."""
    lock_store = TurnRedisLockStore(SENDER_ID_KEY, **redis_options(lock_store_url))
    client = redis.Redis.from_url(lock_store_url.split("?")[0])

    async def take_the_lock() -> bool:
        client.execute_command("CLIENT", "PAUSE", 1000, "ALL")  # this client's own command is not held
        async with lock_store.lock("paused"):
            return True

    ticks, taken = asyncio.run(ticks_while(take_the_lock(), 1.0))
    assert taken and ticks >= 40


def test_a_message_whose_turn_expired_while_it_waited_is_still_answered(lock_store_url):
    """A server died handling a conversation's message; the retry on another server waits for that
    ticket to expire, and its own expires in the same poll. Rasa's lock store then waits forever."""
    options = redis_options(lock_store_url)

    async def retry_after_a_crash(crashed: RedisLockStore, survivor: RedisLockStore) -> None:
        conversation = f"crashed-{survivor.__class__.__name__}"
        # `crashed` is the server that died handling the previous message: it never hands the lock back
        async with crashed.lock(conversation, lock_lifetime=1), \
                survivor.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.5):
            pass

    ours = (TurnRedisLockStore(SENDER_ID_KEY, **options) for _ in range(2))
    asyncio.run(asyncio.wait_for(retry_after_a_crash(*ours), 10))
    with pytest.raises(asyncio.TimeoutError):  # what the subclass is for; drop it once Rasa's own passes
        asyncio.run(asyncio.wait_for(retry_after_a_crash(RedisLockStore(**options), RedisLockStore(**options)), 10))


def test_messages_of_one_conversation_are_still_served_in_turn(lock_store_url):
    first, second = (TurnRedisLockStore(SENDER_ID_KEY, **redis_options(lock_store_url)) for _ in range(2))
    served: list[str] = []

    async def handle(store: RedisLockStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("in-turn", wait_time_in_seconds=0.1):
            served.append(f"{name} starts")
            await asyncio.sleep(0.5)
            served.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(handle(first, "first", 0), handle(second, "second", 0.1))

    asyncio.run(both())
    assert served == ["first starts", "first ends", "second starts", "second ends"]


def test_servers_taking_turns_on_one_conversation_never_hold_it_together(lock_store_url):
    """Six servers (threads, each with its own store and event loop) send messages of one conversation
    at once. Rasa reads, changes and writes the lock back in separate steps, so two of them could take
    the same ticket, or write back a lock without another's; here Redis changes it in one step."""
    holding, most, served = [0], [0], []

    async def messages(server: int) -> None:
        store = TurnRedisLockStore(SENDER_ID_KEY, **redis_options(lock_store_url))
        for message in range(10):
            async with store.lock("busy-conversation", wait_time_in_seconds=0.01) as lock:
                holding[0] += 1
                most[0] = max(most[0], holding[0])
                assert [t.number for t in lock.tickets if not t.has_expired()]  # Rasa's format, read back
                await asyncio.sleep(0.002)
                served.append((server, message))
                holding[0] -= 1

    with ThreadPoolExecutor(6) as pool:
        for done in [pool.submit(asyncio.run, asyncio.wait_for(messages(n), 20)) for n in range(6)]:
            done.result()
    assert most[0] == 1 and len(served) == 60
    client = redis.Redis.from_url(lock_store_url.split("?")[0])
    assert not list(client.scan_iter(f"{lock_store_url.split('key_prefix=')[1]}:lock:*"))  # all handed back


def test_servers_starting_together_on_a_fresh_database_create_the_table_once():
    """Without the advisory lock, some of them fail with PostgreSQL's UniqueViolation."""
    with fresh_database("tables_test") as url:
        env = {"TRACKER_STORE_URL": str(url.set(drivername="postgresql"))}
        with ThreadPoolExecutor(4) as pool:
            for done in [pool.submit(create_tracker_table, env) for _ in range(8)]:
                done.result()  # raises what the thread raised
        store = SQLTrackerStore(host=env["TRACKER_STORE_URL"])
        assert sa.inspect(store.engine).has_table("events")
        store.engine.dispose()


def test_redis_url_options():
    assert redis_options("rediss://:secret@cache:6380/2?key_prefix=rasa") == {
        "host": "cache", "port": 6380, "db": 2, "use_ssl": True, "password": "secret", "key_prefix": "rasa"}
    assert redis_options("redis://cache") == {"host": "cache", "port": 6379, "db": 1, "use_ssl": False}


@pytest.mark.parametrize("env, expected", [
    ({"SANIC_WORKERS": "2"}, "SANIC_WORKERS=2 needs TRACKER_STORE_URL and LOCK_STORE_URL"),
    ({"RASA_INSTANCES": "2", "TRACKER_STORE_URL": "postgresql://db/rasa"}, "RASA_INSTANCES=2 needs LOCK_STORE_URL"),
    ({"SANIC_WORKERS": "two"}, "SANIC_WORKERS must be a whole number"),
    ({"TRACKER_STORE_URL": "mysql://db/rasa"}, "TRACKER_STORE_URL must be a postgresql:// URL"),
    ({"LOCK_STORE_URL": "http://cache"}, "LOCK_STORE_URL must be a redis:// URL"),
    ({"TRACKER_STORE_URL": "postgresql://db/rasa", "SENDER_ID_KEY": ""}, "SENDER_ID_KEY"),
    ({"TRACKER_STORE_URL": "postgresql://db/rasa", "SENDER_ID_KEY": "too-short"}, "SENDER_ID_KEY"),
    ({"LOCK_STORE_URL": "redis://cache:6379/1", "SENDER_ID_KEY": ""}, "SENDER_ID_KEY"),
    ({"RATE_LIMIT_REDIS_URL": "redis://cache:6379/1", "SENDER_ID_KEY": ""}, "SENDER_ID_KEY"),
])
def test_configurations_that_would_lose_conversations_are_refused(env, expected, monkeypatch):
    assert any(expected in error for error in configuration_errors(env))
    with pytest.raises(RasaException, match=expected.split()[0]):
        stores(monkeypatch, **env)


def test_several_workers_with_both_stores_are_fine():
    assert configuration_errors({"SANIC_WORKERS": "2", "RASA_INSTANCES": "2", "TRACKER_STORE_URL": "postgresql://db/x",
                                 "LOCK_STORE_URL": "redis://cache:6379/1", "SENDER_ID_KEY": SENDER_ID_KEY}) == []


def test_loading_the_endpoints_installs_the_fallback_for_custom_actions(monkeypatch):
    stores(monkeypatch)
    action = rasa_actions.action_for_name_or_text("action_answer_question", DOMAIN, None)
    assert isinstance(action, ActionWithFallback)
