"""Security and bad input through the real servers (trained model, action server, Rasa server over
REST), with the HTTP API behind a token and a JWT secret, a low rate limit and the logs captured."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import jwt
import pytest
import rasa
import requests
import socketio
import websockets

from bot.cli import assistant, environment, free_port
from bot.message_input import MAX_CHARACTERS, TOO_LONG
from bot.socketio_sessions import SESSION_ID
from knowledge.db import make_engine
from knowledge.loader import load
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
TOKEN = "security-test-token"
JWT_SECRET = "security-test-jwt-secret"
ALLOWED_ORIGIN = "https://widget.example.org"
BURST = 4


@dataclass
class Server:
    url: str
    log: Path
    started: float
    ports: dict[str, int]

    def post(self, body: bytes | None = None, json: object = None, **headers: str) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/rest/webhook", data=body, json=json, headers=headers, timeout=120)

    def say(self, text: str, sender: str) -> requests.Response:
        return self.post(json={"sender": sender, "message": text})


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Point this process's stdout and stderr at a file while the servers start: they inherit it."""
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as file:
        os.dup2(file.fileno(), 1), os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1), os.dup2(saved[1], 2)
        os.close(saved[0]), os.close(saved[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory, content, model) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("security")
    database = f"sqlite:///{directory / 'knowledge.db'}"
    load(make_engine(database), content)
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=database,
                      RASA_JWT_SECRET=JWT_SECRET, RASA_CORS_ORIGINS=ALLOWED_ORIGIN, LOG_LEVEL="INFO",
                      RATE_LIMIT_BURST=str(BURST), RATE_LIMIT_PER_MINUTE="6")
    for name in ("RATE_LIMIT_REDIS_URL", "LOCK_STORE_URL", "SANIC_REQUEST_MAX_SIZE"):
        env.pop(name, None)
    log, started = directory / "servers.log", time.time()
    servers = assistant(env, model, TOKEN)
    with output_to(log):
        servers.__enter__()
    try:
        yield Server(f"http://127.0.0.1:{env['RASA_PORT']}", log, started,
                     {"rasa": int(env["RASA_PORT"]), "actions": int(env["ACTION_PORT"])})
    finally:
        servers.__exit__(None, None, None)


def texts(response: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in response.json())


# --- bad input on the public REST channel ---

def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (IPv4 and IPv6, from /proc/net)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_both_servers_listen_on_the_loopback_interface_only(server):
    """The action server has no authentication; rasa-sdk listens on every interface by default."""
    for name, port in server.ports.items():
        assert listening_addresses(port) == {"0100007F"}, name  # 127.0.0.1, as /proc/net/tcp writes it


def test_a_10000_character_message_gets_a_helpful_reply(server):
    message = ("I think a girl in my class is being controlled by an older boyfriend who buys her things. " * 120)
    response = server.say(message[:10_000], sender="long-message")
    assert response.status_code == 200
    reply = texts(response)  # the warning signs it describes, or the hotline
    assert len(reply) > 200 and ("signs" in reply.lower() or "1-888-373-7888" in reply)


def test_a_multi_megabyte_body_is_refused_with_413(server):
    response = server.post(json={"sender": "huge", "message": "a" * 3_000_000})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [b'{"sender": "bad", "message": "hi \xff\xfe there"}',  # invalid UTF-8
                                  b'{"sender": "bad", "message": ',  # malformed JSON
                                  b"\xff\xfe\xfd", b"[1, 2, 3]", b'"just a string"',
                                  b'{"sender": "bad"}', b'{"message": "no sender"}',
                                  b'{"sender": 42, "message": "hi"}', b'{"sender": "bad", "message": ["hi"]}'],
                         ids=["invalid-utf8", "malformed-json", "binary", "array", "string", "no-message",
                              "no-sender", "number-sender", "list-message"])
def test_bad_bodies_get_400_with_an_explanation(server, body):
    response = server.post(body, **{"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_a_sender_id_too_long_for_the_tracker_store_is_refused(server):
    assert server.say("hi", sender="x" * 256).status_code == 400
    assert server.say("hi", sender="y" * 255).status_code == 200


def test_escaped_lone_surrogates_and_control_characters_get_an_answer(server):
    response = server.post(b'{"sender": "odd-escapes", "message": "hi \\udcff \\u0000 there"}',
                           **{"Content-Type": "application/json"})
    assert response.status_code == 200 and texts(response)


def test_an_unknown_sender_starts_a_fresh_conversation(server):
    sender = f"never-seen-{uuid.uuid4().hex}"
    response = server.say("hi", sender)
    assert response.status_code == 200 and "bot" in texts(response)


# --- the HTTP API ---

def api(server: Server, path: str, **kwargs) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=30, **kwargs)


def bearer(payload: dict, secret: str = JWT_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, algorithm='HS256')}"}


ADMIN = {"user": {"username": "ops", "role": "admin"}}


def test_the_api_answers_with_the_token_or_a_valid_jwt(server):
    assert api(server, "/status", params={"token": TOKEN}).status_code == 200
    assert api(server, "/status", headers=bearer(ADMIN)).status_code == 200


@pytest.mark.parametrize("credentials", [
    {}, {"params": {"token": ""}}, {"params": {"token": "wrong"}}, {"params": {"token": TOKEN.upper()}},
    {"headers": bearer(ADMIN, secret="not-the-secret")},
    {"headers": bearer({**ADMIN, "exp": int(time.time()) - 600})},  # sanic-jwt allows 180 s of clock skew
    {"headers": {"Authorization": "Bearer not.a.jwt"}},
    {"headers": {"Authorization": "Bearer "}},
    {"headers": {"Authorization": f"Bearer {jwt.encode(ADMIN, 'x', algorithm='HS256').rsplit('.', 1)[0]}."}},
], ids=["none", "empty-token", "wrong-token", "wrong-case-token", "jwt-wrong-secret", "jwt-expired",
        "jwt-garbage", "jwt-empty", "jwt-unsigned"])
def test_invalid_credentials_get_401(server, credentials):
    assert api(server, "/status", **credentials).status_code == 401


def test_conversations_of_unknown_senders_need_credentials_too(server):
    path = f"/conversations/unknown-{uuid.uuid4().hex}/tracker"
    assert api(server, path).status_code == 401
    response = api(server, path, params={"token": TOKEN})
    assert response.status_code == 200 and response.json()["latest_message"]["text"] is None


# --- CORS ---

def test_cors_is_limited_to_the_configured_origins(server):
    allowed = server.post(json={"sender": "cors-1", "message": "hi"}, Origin=ALLOWED_ORIGIN)
    assert allowed.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    refused = server.post(json={"sender": "cors-2", "message": "hi"}, Origin="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = requests.options(f"{server.url}/webhooks/rest/webhook", timeout=10, headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


# --- rate limit ---

def test_a_sender_over_the_rate_limit_gets_429_with_the_hotline(server):
    sender = f"fast-{uuid.uuid4().hex}"
    statuses = [server.say("hi", sender).status_code for _ in range(BURST)]
    assert statuses == [200] * BURST
    limited = server.say("hi", sender)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert "1-888-373-7888" in texts(limited) and "911" in texts(limited)
    assert server.say("hi", f"other-{uuid.uuid4().hex}").status_code == 200  # others are not affected
    time.sleep(10.5)  # 6 a minute: one message back every 10 s
    assert server.say("hi", sender).status_code == 200


def test_a_socketio_session_over_the_rate_limit_is_told_to_slow_down(server):
    async def chat() -> list[str]:
        client, replies = socketio.AsyncClient(), []
        client.on("bot_uttered", lambda data: replies.append(data.get("text", "")))
        await client.connect(server.url, transports=["websocket"])
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        for _ in range(BURST + 2):
            await client.emit("user_uttered", {"message": "hi", "session_id": session})
        deadline = time.monotonic() + 60
        while sum("faster than I can answer" in r for r in replies) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await client.disconnect()
        return replies

    replies = asyncio.run(chat())
    assert sum("faster than I can answer" in r for r in replies) == 2
    assert sum("bot" in r for r in replies) >= BURST  # the first messages were answered


def test_socketio_accepts_only_the_configured_origins(server):
    def handshake(origin: str) -> requests.Response:
        return requests.get(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                            headers={"Origin": origin}, timeout=30)

    assert handshake(ALLOWED_ORIGIN).status_code == 200
    refused = handshake("https://attacker.example.net")
    assert refused.status_code == 403 and "RASA_CORS_ORIGINS" in refused.json()["error"]

    async def connect(origin: str) -> bool:
        client = socketio.AsyncClient()
        try:
            await client.connect(server.url, transports=["websocket"], headers={"Origin": origin}, wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    assert asyncio.run(connect(ALLOWED_ORIGIN)) is True
    assert asyncio.run(connect("https://attacker.example.net")) is False


# --- bounded work per message (bot/message_input.py) ---

def tracker(server: Server, sender: str) -> dict:
    return api(server, f"/conversations/{sender}/tracker", params={"token": TOKEN}).json()


def test_a_message_near_the_body_limit_is_cut_before_the_model_and_still_answered(server):
    """The probe's 490,000 words (980 KB) held the server for 89 s, a crisis message with it, and grew
    it by 5.7 GB. Only the first MAX_CHARACTERS reach the model (make bench measures the crisis p95
    under such messages, docs/BENCHMARK.md); the crisis at its start is answered, with a note."""
    sender = f"huge-{uuid.uuid4().hex}"
    message = "I am in danger and I need help. " + "a " * 480_000
    assert 900_000 < len(message) < 1_000_000
    response = server.say(message, sender)
    assert response.status_code == 200
    assert TOO_LONG in texts(response) and "1-888-373-7888" in texts(response)
    latest = tracker(server, sender)["latest_message"]
    assert latest["intent"]["name"] == "crisis" and len(latest["text"]) <= MAX_CHARACTERS


@pytest.mark.parametrize("text", ["ｉ ａｍ ｉｎ ｄａｎｇｅｒ", "ＨＥＬＰ ＭＥ ＰＬＥＡＳＥ", "I AM IN DANGER"])
def test_full_width_and_upper_case_crisis_messages_get_the_crisis_answer(server, text):
    sender = f"full-width-{uuid.uuid4().hex}"
    assert server.say(text, sender).status_code == 200
    assert tracker(server, sender)["latest_message"]["intent"]["name"] == "crisis"


@pytest.mark.parametrize("message", ["😀😀😀", "\u0000", "{{7*7}}", "", "   "],
                         ids=["emoji", "nul", "template", "empty", "spaces"])
def test_a_message_without_words_gets_a_helpful_reply_not_the_quiz_one(server, message):
    response = server.say(message, f"wordless-{uuid.uuid4().hex}")
    assert response.status_code == 200
    reply = texts(response)
    assert "practice question" not in reply and "911" in reply


# --- hardened edges of the HTTP server (bot/security.py) ---

@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {},
                                     {"Content-Type": "application/x-www-form-urlencoded"}],
                         ids=["text-plain", "no-type", "form"])
def test_the_rest_channel_takes_only_json(server, headers):
    """Any web page may POST text/plain, a form or a typeless body cross-site without a CORS pre-flight."""
    response = server.post(b'{"sender": "cross-site", "message": "hi"}', **headers)
    assert response.status_code == 415 and "application/json" in response.json()["error"]


@pytest.mark.parametrize("levels", [5_000, 100])
def test_json_nested_too_deeply_gets_400(server, levels):
    """5,000 levels raised RecursionError in bot/security.py: a 500."""
    nested = b"[" * levels + b"]" * levels
    rest = server.post(b'{"sender": "deep", "message": "hi", "metadata": ' + nested + b"}",
                       **{"Content-Type": "application/json"})
    assert rest.status_code == 400 and "nest" in rest.json()["error"]
    parse = requests.post(f"{server.url}/model/parse", params={"token": TOKEN}, data=b'{"text": ' + nested + b"}",
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert parse.status_code == 400


def test_callers_without_credentials_are_not_told_the_version(server):
    root = requests.get(f"{server.url}/", timeout=10)
    assert root.status_code == 200 and rasa.__version__ not in root.text and "Rasa" not in root.text
    refused = api(server, "/status")
    assert refused.status_code == 401 and "version" not in refused.json() and rasa.__version__ not in refused.text
    version = api(server, "/version")
    assert version.status_code == 401 and rasa.__version__ not in version.text
    assert api(server, "/version", params={"token": TOKEN}).json()["version"] == rasa.__version__


def test_the_token_is_in_no_process_arguments():
    """`ps` shows any user every process's arguments: the token goes by environment."""
    assert TOKEN  # the server fixture runs for the earlier tests; its processes are still up
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert TOKEN.encode() not in cmdline.read_bytes(), cmdline
        except OSError:  # gone meanwhile
            continue


def test_expected_refusals_are_logged_below_error_and_not_one_line_each(server):
    """Anyone could flood the error log: unauthenticated requests, closed websockets, refused payloads."""
    start = server.log.stat().st_size
    for _ in range(10):
        assert api(server, "/status").status_code == 401
        assert server.post(b"{}", **{"Content-Type": "text/plain"}).status_code == 415

    async def open_and_close() -> None:
        for _ in range(5):
            client = socketio.AsyncClient()
            await client.connect(server.url, transports=["websocket"])
            await client.emit("user_uttered", ["not", "an", "object"])
            await asyncio.sleep(0.3)
            await client.disconnect()

    asyncio.run(open_and_close())
    time.sleep(1)
    with server.log.open("rb") as file:
        file.seek(start)
        logged = file.read().decode("utf-8", errors="replace")
    assert " ERROR " not in logged and "Traceback" not in logged, logged
    assert logged.count("User is not authenticated") <= 1 and logged.count("not application/json") <= 1


# --- socket.io sessions and payloads (bot/socketio_sessions.py) ---

class Socket:
    """A socket.io client, as the widget uses the channel, recording what it is sent."""

    def __init__(self, url: str) -> None:
        self.url, self.client, self.replies, self.confirmed = url, socketio.AsyncClient(), [], []
        self.client.on("bot_uttered", lambda data: self.replies.append(data.get("text", "")))
        self.client.on("session_confirm", self.confirmed.append)

    async def __aenter__(self) -> Socket:
        await self.client.connect(self.url, transports=["websocket"])
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.disconnect()

    async def until(self, condition, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert condition(), (self.replies, self.confirmed)


def test_a_session_held_by_a_live_socket_cannot_be_taken_over(server):
    """Two sockets asking for one session both got its replies, and the second's /restart wiped the first's."""
    session = uuid.uuid4().hex

    async def chat() -> tuple[Socket, Socket]:
        async with Socket(server.url) as first, Socket(server.url) as second:
            await first.client.emit("session_request", {"session_id": session})
            await first.until(lambda: first.confirmed)
            await second.client.emit("session_request", {"session_id": session})
            await second.until(lambda: second.confirmed)
            await first.client.emit("user_uttered", {"message": "I am in danger", "session_id": session})
            await first.until(lambda: any("1-888-373-7888" in r for r in first.replies))
            await second.client.emit("user_uttered", {"message": "/restart", "session_id": session})
            await asyncio.sleep(3)
            return first, second

    first, second = asyncio.run(chat())
    assert first.confirmed == [session]
    assert second.confirmed[0] != session and SESSION_ID.fullmatch(second.confirmed[0])
    assert not any("1-888-373-7888" in r for r in second.replies)  # the first one's crisis answer
    events = tracker(server, session)["events"]
    assert [e for e in events if e["event"] == "restart"] == []
    assert any(e["event"] == "user" and e["text"] == "I am in danger" for e in events)


@pytest.mark.parametrize("session_id", ["x" * 10_000, 42, ["a"], "not-the-widget-format", uuid.uuid4().hex.upper()],
                         ids=["10000-characters", "number", "list", "not-hex", "upper-case"])
def test_a_session_id_not_in_the_widgets_format_is_replaced_by_a_fresh_one(server, session_id):
    async def chat() -> Socket:
        async with Socket(server.url) as socket:
            await socket.client.emit("session_request", {"session_id": session_id})
            await socket.until(lambda: socket.confirmed)
            await socket.client.emit("user_uttered", {"message": "hi", "session_id": session_id})
            await socket.until(lambda: socket.replies)
            return socket

    socket = asyncio.run(chat())
    assert socket.confirmed[0] != session_id and SESSION_ID.fullmatch(socket.confirmed[0])
    assert "bot" in socket.replies[0]


@pytest.mark.parametrize("payload", [{"message": ["I am in danger"]}, {"message": 42}, "I am in danger",
                                     {"message": {"text": "I am in danger"}}, {"session_id": uuid.uuid4().hex},
                                     {"message": "I am in danger", "customData": "not an object"}],
                         ids=["list", "number", "string", "object", "no-message", "metadata-string"])
def test_a_bad_socketio_payload_gets_a_reply_with_the_hotline_not_silence(server, payload):
    async def chat() -> Socket:
        async with Socket(server.url) as socket:
            await socket.client.emit("session_request", {"session_id": uuid.uuid4().hex})
            await socket.until(lambda: socket.confirmed)
            await socket.client.emit("user_uttered", payload)
            await socket.until(lambda: socket.replies)
            return socket

    reply = asyncio.run(chat()).replies[0]
    assert "911" in reply and "1-888-373-7888" in reply


def test_a_socketio_message_nested_5000_levels_gets_a_reply_not_silence(server):
    """Python's parser raised RecursionError inside python-socketio, which dropped the message."""
    async def chat() -> str:
        async with websockets.connect(f"{server.url.replace('http', 'ws', 1)}/socket.io/?EIO=4&transport=websocket",
                                      max_size=None) as raw:
            await raw.recv()  # engine.io's open packet
            await raw.send("40")  # socket.io connect
            await raw.recv()
            await raw.send('42["user_uttered",' + "[" * 5_000 + "]" * 5_000 + "]")
            while True:
                frame = await asyncio.wait_for(raw.recv(), 30)
                if frame.startswith('42["bot_uttered"'):
                    return json.loads(frame[2:])[1]["text"]

    reply = asyncio.run(chat())
    assert "911" in reply and "1-888-373-7888" in reply


def test_a_message_before_any_session_request_is_answered(server):
    async def chat() -> Socket:
        async with Socket(server.url) as socket:
            await socket.client.emit("user_uttered", {"message": "I am in danger", "session_id": uuid.uuid4().hex})
            await socket.until(lambda: any("1-888-373-7888" in r for r in socket.replies))
            return socket

    assert SESSION_ID.fullmatch(asyncio.run(chat()).confirmed[0])


# --- the server refuses unsafe configurations ---

@pytest.mark.parametrize("argv, env, problem", [
    (["--enable-api"], {}, "RASA_AUTH_TOKEN or RASA_JWT_SECRET"),
    (["--enable-api", "--auth-token", "t", "--cors", "*"], {}, "CORS origin '*'"),
    (["--enable-api"], {"RASA_CORS_ORIGINS": "*", "RASA_AUTH_TOKEN": "t"}, "CORS origin '*'"),
])
def test_the_server_refuses_to_start_unprotected(argv, env, problem):
    run_env = environment(**env)
    for name in ("RASA_AUTH_TOKEN", "RASA_JWT_SECRET", "RASA_CORS_ORIGINS"):
        if name not in env:
            run_env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "bot.server", "--model", "models", *argv], cwd=ROOT,
                            env=run_env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and problem in result.stderr


# --- nothing personal in the logs or on disk (keep last: it reads everything logged before) ---

def test_no_message_text_in_the_logs_or_on_disk(server):
    marker = f"Zqxmarker{uuid.uuid4().hex}"
    for sender, text in ((marker, f"my name is {marker}"), ("log-2", f"I am in danger {marker}"),
                         ("log-3", f"what are the signs of trafficking {marker}?")):
        assert server.say(text, sender).status_code == 200
    assert server.post(f'{{"sender": "log-4", "message": "{marker}'.encode(),
                       **{"Content-Type": "application/json"}).status_code == 400
    assert api(server, "/status", params={"token": TOKEN}).status_code == 200
    time.sleep(1)
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Rasa server is up and running" in log and " INFO " in log  # the log really is at INFO
    assert marker.lower() not in log.lower()
    assert TOKEN not in log and JWT_SECRET not in log

    assert [path for path in files_written_since(server.started) if path != server.log
            and marker.lower().encode() in path.read_bytes().lower()] == []


def files_written_since(started: float) -> Iterator[Path]:
    """Files in the project, the temporary directory and the home directory (but not its compiler and
    interpreter installations) changed since `started`."""
    home = [p for p in Path.home().iterdir() if p.name not in {".pyenv", ".cargo", ".rustup", ".npm", ".m2"}]
    for top in (ROOT, Path(tempfile.gettempdir()), *home):
        for path in top.rglob("*") if top.is_dir() else [top]:
            try:
                if ".venv" not in path.parts and path.is_file() and path.stat().st_mtime >= started \
                        and path.stat().st_size < 20_000_000:
                    yield path
            except OSError:  # vanished meanwhile, or not ours to read
                continue
