"""When a part fails, crisis answers keep working and every other question still gets the hotline.

Real servers with the trained model, the real PostgreSQL and Redis: the action server stopped, the
knowledge base unreachable, a Rasa server killed mid-conversation, one of two killed under load."""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import aiohttp
import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.cli import action_server, assistant, environment, free_port, rasa_server
from bot.pseudonyms import pseudonym
from tests.conftest import POSTGRES_URL
from tests.production.conftest import REDIS_URL

pytestmark = pytest.mark.e2e
TOKEN = "reliability-test-token"
HOTLINE = "1-888-373-7888"


def say(url: str, message: str, sender: str) -> str:
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60)
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json())


def kill(process: subprocess.Popen) -> None:
    """A crash, not a shutdown: the process group gets SIGKILL."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def test_with_the_action_server_down_crisis_and_hotline_answers_still_come(model, sqlite_engine):
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=str(sqlite_engine.url))
    with assistant(env, model, TOKEN) as (actions, _):
        url = f"http://127.0.0.1:{env['RASA_PORT']}"
        assert "employer" in say(url, "what are the signs of labor trafficking?", "before")  # the action works
        kill(actions)
        crisis = say(url, "I am in danger", "down-crisis")
        assert "911" in crisis and HOTLINE in crisis and "233733" in crisis
        assert "988" in say(url, "i want to kill myself", "down-suicidal")
        for question in ("what are the signs of labor trafficking?", "who do I call?", "what does PSTSFA require?"):
            reply = say(url, question, f"down-{question}")
            assert HOTLINE in reply and "233733" in reply and "911" in reply, (question, reply)
            assert "can't look that up right now" in reply
        # a quiz's first turn runs three custom actions: the person reads the hotline message once
        assert say(url, "quiz me", "down-quiz").count(HOTLINE) == 1
        assert say(url, "A", "down-quiz").count(HOTLINE) == 1


def test_with_the_knowledge_base_unreachable_questions_get_the_hotline(model):
    # Nothing listens on this port: every query of the actions fails to connect.
    unreachable = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=unreachable)
    with assistant(env, model, TOKEN):
        url = f"http://127.0.0.1:{env['RASA_PORT']}"
        for question in ("what are the signs of labor trafficking?", "how do I report child abuse in Ohio",
                         "any guides for caseworkers?"):
            reply = say(url, question, f"nokb-{question}")
            assert "can't look that up right now" in reply and HOTLINE in reply, (question, reply)
        crisis = say(url, "he took my phone and wont let me leave", "nokb-crisis")
        assert "911" in crisis and HOTLINE in crisis
        # training mode: the quiz cannot start (the hotline message once, not once per action of the
        # quiz's first turn), and the reply it then takes for an answer is not met with silence
        assert say(url, "quiz me", "nokb-quiz").count(HOTLINE) == 1
        assert "no quiz is running" in say(url, "A", "nokb-quiz")


@contextmanager
def outage_switches(tracker_database: str, redis_url: str) -> Iterator[tuple[Callable[[bool], None], str, str]]:
    """(set_down, TRACKER_STORE_URL, LOCK_STORE_URL) of a database and a Redis user that `set_down(True)`
    makes unreachable (open connections cut, new ones refused) and `set_down(False)` brings back."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    redis_admin = redis.Redis.from_url(redis_url)
    user, password, prefix = f"outage{os.urandom(4).hex()}", os.urandom(8).hex(), f"outage{os.urandom(4).hex()}"
    redis_admin.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=[f"{prefix}*"], commands=["+@all"])
    database = make_url(tracker_database).database

    def set_down(down: bool) -> None:
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {database} ALLOW_CONNECTIONS {'false' if down else 'true'}"))
            if down:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                                   {"d": database})
        redis_admin.acl_setuser(user, enabled=not down, passwords=[f"+{password}"], keys=[f"{prefix}*"],
                                commands=["+@all"])
        if down:
            redis_admin.client_kill_filter(user=user)

    parts = urlsplit(redis_url)
    try:
        yield (set_down, tracker_database,
               f"redis://{user}:{password}@{parts.hostname}:{parts.port}{parts.path}?key_prefix={prefix}")
    finally:
        set_down(False)
        redis_admin.acl_deluser(user)
        admin.dispose()


def test_with_the_conversation_stores_down_crisis_answers_still_come(model, sqlite_engine, tracker_store_url):
    """PostgreSQL (conversations) and Redis (locks) become unreachable while the server runs: a crisis
    message still gets its answer, any other message the hotline; both come back by themselves."""
    with outage_switches(tracker_store_url, REDIS_URL) as (set_down, tracker_store, lock_store):
        env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()),
                          KB_DATABASE_URL=str(sqlite_engine.url), TRACKER_STORE_URL=tracker_store,
                          LOCK_STORE_URL=lock_store, SANIC_WORKERS="2", SENDER_ID_KEY="outage-test-sender-id-key")
        with assistant(env, model, TOKEN):
            url = f"http://127.0.0.1:{env['RASA_PORT']}"
            assert "employer" in say(url, "what are the signs of labor trafficking?", "outage")
            set_down(True)
            for message, expected in [("I am in danger", ["911", HOTLINE, "233733"]),
                                      ("he took my ID and won't let me leave", ["911", HOTLINE]),
                                      ("i want to kill myself", ["988"]),
                                      ("what are the signs of labor trafficking?", ["911", HOTLINE, "233733"])]:
                for sender in ("outage", "outage-new"):  # a conversation under way, and a new one
                    reply = say(url, message, sender)
                    assert all(number in reply for number in expected), (message, reply)
            set_down(False)
            assert "employer" in say(url, "what are the signs of labor trafficking?", "outage-after")


class Production:
    """Action server and two Rasa servers on PostgreSQL and Redis; a server can be killed and restarted."""

    def __init__(self, env: dict[str, str], model: Path, stack: ExitStack):
        self.env, self.model, self.stack = env, model, stack
        self.servers: dict[str, subprocess.Popen] = {}
        self.urls = [self.start(f"http://127.0.0.1:{free_port()}") for _ in range(2)]

    def start(self, url: str) -> str:
        port = url.rsplit(":", 1)[1]
        self.servers[url] = self.stack.enter_context(rasa_server({**self.env, "RASA_PORT": port}, self.model, TOKEN))
        return url

    def kill(self, url: str) -> None:
        kill(self.servers.pop(url))

    def stored_events(self, sender: str) -> list[dict]:
        engine = create_engine(self.env["TRACKER_STORE_URL"], future=True)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
                                      {"s": pseudonym(sender, self.env["SENDER_ID_KEY"])})
            events = [json.loads(row.data) for row in rows]
        engine.dispose()
        return events


@pytest.fixture(scope="module")
def production(model, postgresql_engine, tracker_store_url, lock_store_url) -> Iterator[Production]:
    env = environment(ACTION_PORT=str(free_port()), KB_DATABASE_URL=str(postgresql_engine.url),
                      TRACKER_STORE_URL=tracker_store_url, LOCK_STORE_URL=lock_store_url, RASA_INSTANCES="2",
                      SENDER_ID_KEY="reliability-test-sender-id-key", RETENTION_DAYS="14",
                      ACTION_SERVER_SANIC_WORKERS="2",
                      # A lock held by a killed server blocks its conversation only this long.
                      TICKET_LOCK_LIFETIME="10")
    with ExitStack() as stack:
        stack.enter_context(action_server(env))
        yield Production(env, model, stack)


def test_a_conversation_moves_between_the_servers(production):
    first, second = production.urls
    assert "Which state" in say(first, "I want to report neglect", "between")
    assert "1-855-642-4453" in say(second, "Ohio", "between")


def test_the_greeting_says_conversations_are_kept_and_for_how_long(production):
    greeting = say(production.urls[1], "hi", "what-is-kept")
    assert "keeps conversations for 14 days" in greeting and "memory" not in greeting


def post(url: str, body: bytes) -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"},
                         timeout=60)


@pytest.mark.parametrize("body, status", [
    (json.dumps({"sender": "long", "message": "x" * 10_000}).encode(), 200),
    (b'{"sender": "utf8", "message": "\xff\xfe not utf-8"}', 400),
    (b'{"sender": "json", "message": ', 400),
    (json.dumps({"sender": "never-seen-before-" + os.urandom(4).hex(), "message": "hi"}).encode(), 200),
])
def test_bad_input_gets_a_clear_status_and_the_servers_carry_on(production, body, status):
    url = production.urls[0]
    assert post(url, body).status_code == status
    assert "bot" in say(url, "hi", "after-bad-input")


def test_the_http_api_refuses_invalid_tokens(production):
    url = f"{production.urls[1]}/conversations/someone/tracker"
    for params, headers in [({}, {}), ({"token": "wrong"}, {}), ({}, {"Authorization": "Bearer not.a.jwt"})]:
        assert requests.get(url, params=params, headers=headers, timeout=10).status_code == 401
    unknown = requests.get(f"{production.urls[1]}/conversations/nobody-ever/tracker", params={"token": TOKEN},
                           timeout=10).json()
    assert not [e for e in unknown["events"] if e["event"] == "user"] and unknown["latest_message"]["text"] is None


def test_a_restarted_server_continues_the_conversation(production):
    url = production.urls[0]
    assert "Which state" in say(url, "I want to report neglect", "restart")
    production.kill(url)
    production.start(url)
    assert "1-855-642-4453" in say(url, "Ohio", "restart")  # it remembered what the state was for
    tracker = requests.get(f"{url}/conversations/restart/tracker", params={"token": TOKEN}, timeout=30).json()
    assert tracker["slots"]["us_state"] == "OH"


def test_with_one_of_two_servers_killed_under_load_no_conversation_loses_events(production):
    """Keep this test last: it kills the second server."""
    urls = production.urls
    turns = ["hi", "what are the signs of labor trafficking?", "who is at risk?",
             "how do I report child abuse in Texas",
             "what does PSTSFA require?", "any guides for caseworkers?", "thanks"]
    acknowledged: dict[str, list[tuple[str, list[str]]]] = {}
    retried = 0

    async def conversation(session: aiohttp.ClientSession, sender: str) -> None:
        nonlocal retried
        acknowledged[sender] = []
        for n, message in enumerate(turns):
            # As a load balancer does: the next server when one does not answer.
            for url in (urls[n % 2], urls[(n + 1) % 2]):
                try:
                    async with session.post(f"{url}/webhooks/rest/webhook",
                                            json={"sender": sender, "message": message}) as response:
                        if response.status == 200:
                            replies = [m["text"] for m in await response.json() if m.get("text")]
                            acknowledged[sender].append((message, replies))
                            break
                except aiohttp.ClientError:
                    retried += 1
                    continue
            else:
                raise AssertionError(f"{sender}: no server answered {message!r}")
            await asyncio.sleep(random.uniform(0, 0.3))

    async def load() -> None:
        timeout = aiohttp.ClientTimeout(total=90)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            talking = asyncio.gather(*(conversation(session, f"load-{n}") for n in range(20)))
            while sum(map(len, acknowledged.values())) < 40:  # of 140 messages
                await asyncio.sleep(0.05)
            production.kill(urls[1])  # mid-run, with requests in flight
            await talking

    asyncio.run(load())
    assert retried > 0  # the killed server was answering until it died
    for sender, exchanges in acknowledged.items():
        assert [message for message, _ in exchanges] == turns, sender
        events = production.stored_events(sender)
        stored_user = [e["text"] for e in events if e["event"] == "user"]
        stored_bot = [e.get("text") for e in events if e["event"] == "bot"]
        # Every acknowledged message and every reply is stored, in order; a message being handled
        # by the killed server when it died may have been stored twice (once by each), never lost.
        assert _in_order(turns, stored_user), (sender, stored_user)
        assert _in_order([r for _, replies in exchanges for r in replies], stored_bot), sender
    assert say(urls[0], "hi", "after-the-kill")


def _in_order(expected: list, stored: list) -> bool:
    remaining = iter(stored)
    return all(any(item == s for s in remaining) for item in expected)
