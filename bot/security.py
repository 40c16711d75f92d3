"""Security policy of the Rasa server: authentication, CORS, request limits (the REST channel takes only
JSON; no JSON body may nest deeper than MAX_JSON_DEPTH), per-sender rate limits, and no version
banner for callers without credentials.

Installed into the server by `python -m bot.server` (see there why a launcher). Settings, all from
the environment:
  RASA_AUTH_TOKEN / RASA_JWT_SECRET (+ RASA_JWT_METHOD, default HS256)  the HTTP API's credentials;
      with --enable-api and neither, the server refuses to start.
  RASA_CORS_ORIGINS          space- or comma-separated origins allowed to call the server from a browser.
  SANIC_REQUEST_MAX_SIZE     largest request body in bytes (default 1 MB; larger bodies get 413).
  RATE_LIMIT_PER_MINUTE      messages one sender may send per minute on average (default 30; 0 = off)
  RATE_LIMIT_BURST           messages one sender may send at once before the limit applies (default 10)
  RATE_LIMIT_REDIS_URL       share the limits between instances in Redis (default: LOCK_STORE_URL when
                             that is a redis:// URL, else each worker counts on its own); the buckets
                             are keyed by the sender's pseudonym (SENDER_ID_KEY, bot/pseudonyms.py).
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Mapping, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis
import redis.asyncio
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic.response import text as text_response

from bot.pseudonyms import key_from_env, pseudonym
from bot.quiet_log import refusal

logger = logging.getLogger(__name__)

DEFAULT_REQUEST_MAX_SIZE = 1_000_000
MAX_SENDER_ID_LENGTH = 255  # the sender_id column of Rasa's SQL tracker store
MAX_JSON_DEPTH = 32  # a REST message is an object of strings; Rasa's API bodies nest a few levels
REST_WEBHOOK = "/webhooks/rest/webhook"
GREETING = "Hello: the assistant is running."
TOO_MANY_MESSAGES = ("You are sending messages faster than I can answer. Please wait a few seconds and try "
                     "again. If you are in danger, call 911. National Human Trafficking Hotline: "
                     "1-888-373-7888 (or text 233733).")


class RateLimiter(Protocol):
    async def allow(self, key: str) -> bool: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class MemoryRateLimiter:
    """Token bucket per key in this process: `burst` messages at once, refilled at `per_minute`."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate, self.burst = per_minute / 60, burst
        self.buckets: dict[str, _Bucket] = {}

    async def allow(self, key: str) -> bool:
        now = time.monotonic()
        if len(self.buckets) > 10_000:  # forget senders whose bucket has refilled
            self.buckets = {k: b for k, b in self.buckets.items()
                            if b.tokens + (now - b.updated) * self.rate < self.burst}
        bucket = self.buckets.setdefault(key, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


# The same token bucket, atomically in Redis (server time, so instances need no synchronised clocks).
_TOKEN_BUCKET = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return allowed
"""


class RedisRateLimiter:
    """Token buckets shared by every worker and instance, keyed by the sender's pseudonym: no sender
    id in Redis. When Redis is unreachable, messages are let through (a crisis message must always
    get its answer)."""

    def __init__(self, url: str, per_minute: float, burst: int, sender_id_key: str) -> None:
        # LOCK_STORE_URL may carry the lock store's ?key_prefix= (bot/stores.py): the buckets share
        # the prefix, and the redis client must not see the option
        parts = urlsplit(url)
        self.prefix = (parse_qs(parts.query).get("key_prefix") or [""])[0] + "rate_limit:"
        self.redis = redis.asyncio.from_url(urlunsplit(parts._replace(query="")))
        self.script = self.redis.register_script(_TOKEN_BUCKET)
        self.rate, self.burst = per_minute / 60, burst
        self.sender_id_key = sender_id_key

    async def allow(self, key: str) -> bool:
        bucket = self.prefix + pseudonym(key, self.sender_id_key)
        try:
            return bool(await self.script(keys=[bucket], args=[self.rate, self.burst]))
        except redis.RedisError as error:  # an outage of the limiter must not silence the assistant
            logger.warning(f"Rate limiter unavailable, message allowed: {error.__class__.__name__}")
            return True


def rate_limiter(env: Mapping[str, str] = os.environ) -> RateLimiter | None:
    per_minute = float(env.get("RATE_LIMIT_PER_MINUTE", "30"))
    if per_minute <= 0:
        return None
    burst = int(env.get("RATE_LIMIT_BURST", "10"))
    lock_store = env.get("LOCK_STORE_URL", "")
    url = env.get("RATE_LIMIT_REDIS_URL") or (lock_store if lock_store.startswith(("redis://", "rediss://")) else "")
    if not url:
        return MemoryRateLimiter(per_minute, burst)
    return RedisRateLimiter(url, per_minute, burst, key_from_env(env))


def cors_origins(env: Mapping[str, str] = os.environ) -> list[str]:
    """Origins whose pages may talk to the Rasa server: by default the demo page, by either name."""
    widget_port = env.get("WIDGET_PORT", "8080")
    default = f"http://localhost:{widget_port} http://127.0.0.1:{widget_port}"
    return env.get("RASA_CORS_ORIGINS", default).replace(",", " ").split()


def check_policy(enable_api: bool, auth_token: str | None, jwt_secret: str | None, cors: list[str]) -> None:
    """Refuse configurations that would open the server up."""
    if enable_api and not (auth_token or jwt_secret):
        raise SystemExit("Refusing to start: the HTTP API (--enable-api) needs RASA_AUTH_TOKEN or RASA_JWT_SECRET.")
    if "*" in cors:
        raise SystemExit("Refusing to start: CORS origin '*' lets any web page use the server; list the origins "
                         "in RASA_CORS_ORIGINS.")


def _error(status: int, message: str, sender: str | None = None, **headers: str) -> HTTPResponse:
    # REST clients show a list of bot messages; others read "error"
    body: Any = [{"recipient_id": sender, "text": message}] if sender else {"error": message}
    return json_response(body, status=status, headers=headers)


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (0 for a string or number)."""
    depth, level = 0, [(value, 0)]
    while level:
        item, outer = level.pop()
        if isinstance(item, (dict, list)):
            depth = max(depth, outer + 1)
            level.extend((child, outer + 1) for child in (item.values() if isinstance(item, dict) else item))
    return depth


class TooDeep(ValueError):
    def __str__(self) -> str:
        return f"JSON may nest at most {MAX_JSON_DEPTH} levels."


def parse_json(body: bytes) -> Any:
    """The JSON in a request body; ValueError when it is not JSON or nests deeper than MAX_JSON_DEPTH.
    Python's parser recurses once per level and raises RecursionError (a 500) at about a thousand."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise TooDeep from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise TooDeep
    return value


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def rest_message(request: Request) -> tuple[str | None, str | None]:
    """(sender, error) of a REST channel request: the body must be a JSON object with string
    "sender" and "message". Rasa itself files a message without a sender under one conversation
    shared by everybody ("default") and answers 500 to a body that is not a JSON object."""
    try:
        body = parse_json(request.body)
    except TooDeep as error:
        return None, str(error)
    except ValueError:  # also invalid UTF-8
        return None, "The body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}."
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None, "Send a JSON object with a \"message\" text."
    sender = body.get("sender")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_ID_LENGTH:
        return None, f"Send a \"sender\" id of 1 to {MAX_SENDER_ID_LENGTH} characters with each message."
    # Sanic 21.12 leaves parsed_json unannotated and sets it to None first, so mypy takes None for its type
    request.parsed_json = body  # type: ignore[assignment]
    return sender, None


async def install(app: Sanic, _loop: Any = None) -> None:
    """Listener (before_server_start): check the origin of socket.io connections, validate REST
    messages and rate-limit them per sender."""
    limiter = app.ctx.rate_limiter = rate_limiter()
    origins = set(cors_origins())

    @app.on_request
    async def guard_socketio_origin(request: Request) -> HTTPResponse | None:
        # Rasa starts socket.io with cors_allowed_origins=[], which switches python-engineio's origin
        # check off: any web page could open a chat with the server from its visitors' browsers (a
        # websocket is not held back by CORS). Browsers always send Origin; other clients may omit it.
        origin = request.headers.get("origin")
        if request.path.startswith("/socket.io") and origin and origin not in origins:
            refusal(logger, "socket.io connection refused: origin not in RASA_CORS_ORIGINS.")
            return _error(403, "This page may not use the chat: its origin is not in RASA_CORS_ORIGINS.")
        return None

    @app.on_request
    async def guard_json(request: Request) -> HTTPResponse | None:
        # every JSON body (the HTTP API, the messaging channels): one nested too deeply gets 400, not
        # a RecursionError and a 500 from whoever parses it; what passes is parsed once, here
        if request.body and is_json(request) and request.path.rstrip("/") != REST_WEBHOOK:
            try:
                request.parsed_json = parse_json(request.body)
            except TooDeep as error:
                return _error(400, str(error))
            except ValueError:
                pass  # not JSON: its handler answers as it always did
        return None

    @app.on_request
    async def guard_rest_channel(request: Request) -> HTTPResponse | None:
        if request.method != "POST" or request.path.rstrip("/") != REST_WEBHOOK:
            return None
        if not request.body and request.headers.get("content-length", "0") != "0":
            return None  # Sanic refused the body as too large and runs middleware on its way to answer 413
        if not is_json(request):
            # a web page may POST text/plain (or no type) to any site without asking (no CORS pre-flight)
            refusal(logger, "REST message refused: not application/json.")
            return _error(415, "Send the message as JSON, with the header Content-Type: application/json.")
        sender, problem = rest_message(request)
        if problem:
            return _error(400, problem)
        if limiter and not await limiter.allow(f"rest:{sender}"):
            refusal(logger, "Rate limit reached on the REST channel.")
            return _error(429, TOO_MANY_MESSAGES, sender, **{"Retry-After": "5"})
        return None

    from rasa.server import ErrorResponse, requires_auth  # Rasa's own check: seconds to import, only when serving

    operators_only = requires_auth(app, os.environ.get("RASA_AUTH_TOKEN"))(_authorized)

    @app.on_request
    async def hide_version(request: Request) -> HTTPResponse | None:
        # Rasa's "/" and /version tell anyone the exact release, which says which advisories apply
        path = request.path.rstrip("/")
        if path == "" and request.method in ("GET", "HEAD"):
            return text_response(GREETING)
        if path == "/version":
            try:
                await operators_only(request)
            except ErrorResponse as error:
                return json_response(without_version(error.error_info), status=error.status)
        return None

    @app.on_response
    async def hide_version_in_errors(request: Request, response: HTTPResponse) -> None:
        # Rasa's error bodies (401 to anyone without credentials, among them) carry its version
        if response.status >= 400 and response.body and b'"version"' in response.body:
            try:
                body = json.loads(response.body)
            except ValueError:
                return
            if isinstance(body, dict):
                response.body = json.dumps(without_version(body)).encode()


async def _authorized(_request: Request) -> None:
    return None


def without_version(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "version"}


async def limit_socketio(app: Sanic, _loop: Any = None) -> None:
    """Listener (after_server_start, once the agent is loaded): rate-limit socket.io messages per session.

    They arrive over a websocket, past HTTP middleware, so they are limited where Rasa hands every
    channel's message to the agent, and the answer goes back over the same socket."""
    limiter = app.ctx.rate_limiter
    agent = getattr(app.ctx, "agent", None)
    if not (limiter and agent):
        return
    handle_message = agent.handle_message

    async def limited(message: Any) -> Any:
        if message.input_channel == "socketio" and not await limiter.allow(f"socketio:{message.sender_id}"):
            refusal(logger, "Rate limit reached on the socket.io channel.")
            await message.output_channel.send_text_message(message.sender_id, TOO_MANY_MESSAGES)
            return None
        return await handle_message(message)

    agent.handle_message = limited
