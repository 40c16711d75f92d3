"""The Rasa server with all five messaging channels, run in the test process so that the platforms'
client libraries can be intercepted where they would call out; the action server runs for real.

Outbound calls are caught at each library's boundary: twilio's MessageList.create, fbmessenger's
MessengerClient.send and slack_sdk's AsyncWebClient.chat_postMessage are replaced by recorders;
aiogram (Telegram) and Rasa's Bot Framework output make real HTTP calls to a local fake of those APIs.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import requests
from aiogram.bot.api import TelegramAPIServer
from fbmessenger import MessengerClient
from rasa.core.channels import botframework
from rasa.core.run import configure_app, create_http_input_channels, load_agent_on_start
from rasa.core.utils import AvailableEndpoints
from slack_sdk.web.async_client import AsyncWebClient
from twilio.rest.api.v2010.account.message import MessageList

from bot.channels import credentials
from bot.cli import ROOT, action_server, environment, free_port
from knowledge.db import make_engine
from knowledge.loader import load
from tests.channels.platforms import ENV, BotFrameworkAuth, FakePlatforms


@dataclass
class Assistant:
    url: str
    outbox: list[dict[str, Any]]  # every outbound call, as the platform would receive it
    fake: FakePlatforms
    auth: BotFrameworkAuth

    def sent(self, platform: str, recipient: str, after: int = 0, quiet: float = 0.7,
             timeout: float = 60) -> list[dict[str, Any]]:
        """The calls to `recipient` on `platform` from position `after` on, once no more arrive."""
        deadline = time.monotonic() + timeout
        seen, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            found = [c for c in self.outbox[after:] if c["platform"] == platform and c["recipient"] == recipient]
            if len(found) != seen:
                seen, last_change = len(found), time.monotonic()
            elif found and time.monotonic() - last_change >= quiet:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {platform} reply to {recipient} within {timeout} s")

    def mark(self) -> int:
        return len(self.outbox)


def record_to(outbox: list[dict[str, Any]]) -> dict[tuple[Any, str], Any]:
    """Replacements for the client-library calls that would reach Twilio, Messenger and Slack."""

    def twilio_create(_: MessageList, **message: Any) -> SimpleNamespace:
        outbox.append({"platform": "twilio", "recipient": message["to"], **message})
        return SimpleNamespace(sid="SM" + "0" * 32)

    def messenger_send(_: MessengerClient, payload: dict, recipient_id: str, messaging_type: str = "RESPONSE",
                       **__: Any) -> dict:
        outbox.append({"platform": "facebook", "recipient": recipient_id, "messaging_type": messaging_type,
                       "message": payload})
        return {"recipient_id": recipient_id, "message_id": "m_1"}

    def messenger_action(_: MessengerClient, payload: dict, recipient_id: str, **__: Any) -> dict:
        return {"recipient_id": recipient_id}  # typing indicators: not part of the reply

    async def slack_post(_: AsyncWebClient, **message: Any) -> dict:
        outbox.append({"platform": "slack", "recipient": message["channel"], **message})
        return {"ok": True, "channel": message["channel"], "ts": f"{time.time():.6f}"}

    return {(MessageList, "create"): twilio_create, (MessengerClient, "send"): messenger_send,
            (MessengerClient, "send_action"): messenger_action, (AsyncWebClient, "chat_postMessage"): slack_post}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, content, model) -> Iterator[Assistant]:
    database = f"sqlite:///{tmp_path_factory.mktemp('channels') / 'knowledge.db'}"
    load(make_engine(database), content)
    port = free_port()
    env = environment(ACTION_PORT=str(free_port()), KB_DATABASE_URL=database, **ENV,
                      TWILIO_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhooks/twilio/webhook",
                      TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhooks/telegram/webhook")
    auth = BotFrameworkAuth()
    outbox: list[dict[str, Any]] = []
    fake = FakePlatforms(auth, outbox)
    with action_server(env), pytest.MonkeyPatch.context() as patch:
        for (owner, attribute), replacement in record_to(outbox).items():
            patch.setattr(owner, attribute, replacement)
        patch.setattr(TelegramAPIServer, "api_url", lambda _, token, method: f"{fake.url}/bot{token}/{method}")
        patch.setattr(botframework, "MICROSOFT_OPEN_ID_URI", f"{fake.url}/v1/.well-known/openidconfiguration")
        patch.setattr(botframework, "MICROSOFT_OAUTH2_URL", fake.url)
        credentials_file, selection = credentials.write(env, tmp_path_factory.mktemp("credentials"))
        assert selection.on == ["rest", "socketio", "sms", "messenger", "slack", "telegram", "teams"]
        with pytest.MonkeyPatch.context() as environment_variables:  # Rasa reads them only here
            for name, value in env.items():
                environment_variables.setenv(name, value)
            endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
            channels = create_http_input_channels(None, str(credentials_file))
        app = configure_app(channels, enable_api=False, port=port, endpoints=endpoints)
        app.register_listener(partial(load_agent_on_start, str(model), endpoints, None), "before_server_start")
        loops: list[asyncio.AbstractEventLoop] = []
        app.register_listener(lambda _, loop: loops.append(loop), "after_server_start")
        server = threading.Thread(target=app.run, kwargs={"host": "127.0.0.1", "port": port, "access_log": False,
                                                          "register_sys_signals": False}, daemon=True)
        server.start()
        wait_until_up(f"http://127.0.0.1:{port}/", server)
        try:
            yield Assistant(f"http://127.0.0.1:{port}", outbox, fake, auth)
        finally:
            loops[0].call_soon_threadsafe(app.stop)
            server.join(timeout=30)
            fake.close()


def wait_until_up(url: str, server: threading.Thread, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.is_alive():
            raise AssertionError("the Rasa server stopped while starting")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up within {timeout} s")
