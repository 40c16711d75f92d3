"""Rasa's side of a custom action that cannot run: the user gets the hotline, never silence."""
from __future__ import annotations

import asyncio
import threading
from typing import Awaitable, Callable

from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.action_fallback import ActionWithFallback
from bot.cli import free_port
from tests.conftest import ROOT

DOMAIN = Domain.from_path(ROOT / "domain.yml")


async def run_in_loop(url: str, tracker: DialogueStateTracker | None = None) -> list:
    if tracker is None:
        tracker = DialogueStateTracker("fallback-test", DOMAIN.slots)
        tracker.update(UserUttered("what are the signs?"))
    action = ActionWithFallback("action_answer_question", EndpointConfig(url=url))
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    return await action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN)


def run_action(url: str) -> list:
    return asyncio.run(run_in_loop(url))


def test_no_action_server_gets_the_hotline():
    events = run_action(f"http://127.0.0.1:{free_port()}/webhook")
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert "1-888-373-7888" in events[0].text and "233733" in events[0].text and "911" in events[0].text


def test_the_hotline_message_comes_once_a_turn():
    """A quiz's first turn runs three custom actions; with the action server down the person reads
    the hotline message once, and again on their next message."""
    down = f"http://127.0.0.1:{free_port()}/webhook"
    tracker = DialogueStateTracker("fallback-test", DOMAIN.slots)
    tracker.update(UserUttered("quiz me"))
    first = asyncio.run(run_in_loop(down, tracker))
    assert [e.text for e in first] and "1-888-373-7888" in first[0].text
    tracker.update(first[0])
    assert asyncio.run(run_in_loop(down, tracker)) == []  # the form's validation, its question...
    tracker.update(UserUttered("A"))
    assert [e.text for e in asyncio.run(run_in_loop(down, tracker))] == [first[0].text]


def test_an_action_server_error_gets_the_hotline():
    async def failing(_: web.Request) -> web.Response:
        return web.json_response({"error": "knowledge base down"}, status=500)

    with serving(failing) as url:
        events = run_action(url)
    assert "1-888-373-7888" in events[0].text


def test_a_dropped_connection_is_tried_once_more():
    calls = []

    async def drops_the_first(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            request.transport.close()  # the connection drops mid-request
        return web.json_response({"events": [], "responses": [{"text": "the answer"}]})

    with serving(drops_the_first) as url:
        events = run_action(url)
    assert len(calls) == 2 and [e.text for e in events] == ["the answer"]


def test_actions_share_open_connections_to_the_action_server():
    """Rasa alone opens a connection per action; the calls of one worker (one event loop) reuse them."""
    peers = []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": [{"text": "the answer"}]})

    async def one_after_another(url: str) -> list[list]:
        return [await run_in_loop(url) for _ in range(3)]

    with serving(answer) as url:
        answers = asyncio.run(one_after_another(url))
        run_action(url)  # a new event loop: a new connection, the old one closed with its loop
    assert [[e.text for e in events] for events in answers] == [["the answer"]] * 3
    assert len(set(peers[:3])) == 1 and peers[3] != peers[0]


class serving:  # noqa: N801  used like a function: `with serving(handler) as url`
    """An action server stand-in on a free port, in a thread of its own."""

    def __init__(self, handler: Callable[[web.Request], Awaitable[web.Response]]):
        self.port = free_port()
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/webhook", handler)
        self.runner = web.AppRunner(app)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> str:
        self.thread.start()
        self.ready.wait(10)
        return f"http://127.0.0.1:{self.port}/webhook"

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_a_response_that_breaks_rasas_schema_gets_the_hotline():
    async def malformed(_: web.Request) -> web.Response:
        return web.json_response({"events": [{"event": "slot", "name": 5}], "responses": [{"text": "unchecked"}]})

    with serving(malformed) as url:
        events = run_action(url)
    assert len(events) == 1 and "1-888-373-7888" in events[0].text


def test_a_valid_response_keeps_its_events_and_replies():
    async def valid(_: web.Request) -> web.Response:
        return web.json_response({"events": [{"event": "slot", "name": "us_state", "value": "texas"}],
                                  "responses": [{"text": "the answer"}]})

    for _ in range(2):  # the second time with the validator built by the first
        with serving(valid) as url:
            events = run_action(url)
        assert [e.text for e in events if isinstance(e, BotUttered)] == ["the answer"]
        assert [(e.key, e.value) for e in events if isinstance(e, SlotSet)] == [("us_state", "texas")]
