"""What the five platforms send (real webhook payload shapes, signed as each platform signs them) and a
fake of the APIs the assistant calls back, where a real HTTP call can be made to a local server."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from twilio.request_validator import RequestValidator

# Test credentials: made up, used only against the local fakes. Phone numbers use the 000 area code,
# which no real number has.
ENV = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-test-auth-token",
    "TWILIO_NUMBER": "+10005550100",
    "FACEBOOK_VERIFY_TOKEN": "fb-test-verify",
    "FACEBOOK_APP_SECRET": "fb-test-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-test-page-token",
    "SLACK_BOT_TOKEN": "test-slack-bot-token",
    "SLACK_SIGNING_SECRET": "slack-test-signing-secret",
    "TELEGRAM_BOT_TOKEN": "123456789:test-token-for-the-channel-tests",
    "TELEGRAM_WEBHOOK_SECRET": "telegram-test-secret",
    "BOTFRAMEWORK_APP_ID": "00000000-0000-0000-0000-000000000001",
    "BOTFRAMEWORK_APP_PASSWORD": "botframework-test-password",
}
PAGE_ID = "1000000000000001"
KEY_ID = "test-key"
ISSUER = "https://api.botframework.com"


def twilio_sms(url: str, sender: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    """Twilio's incoming-SMS webhook: form fields and the X-Twilio-Signature over URL + fields."""
    sid = "SM" + uuid.uuid4().hex
    form = {"ToCountry": "US", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
            "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
            "FromCountry": "US", "To": ENV["TWILIO_NUMBER"], "ToZip": "", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": ENV["TWILIO_ACCOUNT_SID"], "From": sender, "ApiVersion": "2010-04-01"}
    signature = RequestValidator(ENV["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    return form, {"X-Twilio-Signature": signature}


def messenger(sender: str, text: str, quick_reply: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A Messenger webhook event, signed with the app secret (X-Hub-Signature and -256)."""
    now = int(time.time() * 1000)
    message: dict[str, Any] = {"mid": "m_" + uuid.uuid4().hex, "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    body = json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": PAGE_ID}, "timestamp": now, "message": message}]}]}).encode()
    secret = ENV["FACEBOOK_APP_SECRET"].encode()
    return body, {"Content-Type": "application/json",
                  "X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
                  "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()}


def _slack_headers(body: bytes, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(ENV["SLACK_SIGNING_SECRET"].encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": "v0=" + digest.hexdigest()}


def slack_message(user: str, channel: str, text: str) -> tuple[bytes, dict[str, str]]:
    """An Events API event_callback for a direct message to the app, signed with the signing secret."""
    ts = f"{time.time():.6f}"
    body = json.dumps({
        "token": "verification-token", "team_id": "T00000001", "api_app_id": "A00000001",
        "event": {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts,
                  "channel": channel, "event_ts": ts, "client_msg_id": str(uuid.uuid4())},
        "type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:10], "event_time": int(time.time()),
        "authorizations": [{"team_id": "T00000001", "user_id": "U0BOT0001", "is_bot": True}],
    }).encode()
    return body, _slack_headers(body, "application/json")


def slack_button(user: str, channel: str, value: str) -> tuple[bytes, dict[str, str]]:
    """An interactivity call (block_actions) for a button click: form-encoded `payload`."""
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
               "message": {"ts": f"{time.time():.6f}"}, "trigger_id": "1.2.3",
               "actions": [{"type": "button", "action_id": "a1", "block_id": "b1", "value": value,
                            "text": {"type": "plain_text", "text": "button"}}]}
    body = ("payload=" + quote_plus(json.dumps(payload))).encode()
    return body, _slack_headers(body, "application/x-www-form-urlencoded")


def telegram_message(chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    return {"update_id": int(time.time() * 1000) % 2**31, "message": {
        "message_id": 1, "from": user, "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
        "date": int(time.time()), "text": text}}


def telegram_button(chat_id: int, data: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    return {"update_id": int(time.time() * 1000) % 2**31, "callback_query": {
        "id": str(uuid.uuid4().int)[:18], "from": user, "chat_instance": "1", "data": data,
        "message": {"message_id": 2, "date": int(time.time()), "text": "options",
                    "chat": {"id": chat_id, "type": "private", "first_name": "Test"}}}}


@dataclass
class BotFrameworkAuth:
    """Signs activities as the Bot Connector service does; the fake publishes the public key."""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                  key_size=2048))

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]}

    def token(self, service_url: str, issuer: str = ISSUER, audience: str = ENV["BOTFRAMEWORK_APP_ID"]) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})


def activity(service_url: str, user: str, text: str) -> dict[str, Any]:
    """A Bot Framework Activity as Teams posts it for a personal chat."""
    return {"type": "message", "id": uuid.uuid4().hex, "timestamp": "2024-01-01T00:00:00.000Z",
            "serviceUrl": service_url, "channelId": "msteams", "from": {"id": user, "name": "Test"},
            "conversation": {"id": f"a:{user}", "conversationType": "personal", "tenantId": "tenant"},
            "recipient": {"id": "28:" + ENV["BOTFRAMEWORK_APP_ID"], "name": "Assistant"},
            "text": text, "textFormat": "plain", "locale": "en-US"}


class FakePlatforms:
    """A local HTTP server playing the Telegram Bot API, the Bot Framework login and key endpoints and a
    Bot Framework serviceUrl. Records every call it receives."""

    def __init__(self, auth: BotFrameworkAuth, calls: list[dict[str, Any]]) -> None:
        self.calls = calls
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/v1/.well-known/openidconfiguration":
                    self.reply({"issuer": ISSUER, "jwks_uri": f"{fake.url}/v1/.well-known/keys"})
                elif self.path == "/v1/.well-known/keys":
                    self.reply(auth.jwks())
                else:
                    self.reply({"error": "not found"}, 404)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.endswith("/oauth2/v2.0/token"):
                    self.reply({"token_type": "Bearer", "expires_in": 3600, "access_token": "bot-access-token"})
                elif self.path.startswith("/bot"):  # Telegram: /bot<token>/<method>, form-encoded
                    token, method = self.path[4:].rsplit("/", 1)
                    data = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    fake.record({"platform": "telegram", "recipient": data.get("chat_id", ""), "method": method,
                                 "token": token, **data})
                    self.reply({"ok": True, "result": self.telegram_result(method, data)})
                elif self.path.startswith("/v3/conversations/"):
                    sent = json.loads(raw)
                    fake.record({**sent, "platform": "botframework", "recipient": sent["recipient"]["id"],
                                 "path": self.path, "authorization": self.headers.get("Authorization")})
                    self.reply({"id": uuid.uuid4().hex})
                else:
                    self.reply({"error": "not found"}, 404)

            @staticmethod
            def telegram_result(method: str, data: dict[str, str]) -> Any:
                if method == "sendMessage":
                    return {"message_id": 1, "date": int(time.time()), "text": data.get("text", ""),
                            "chat": {"id": int(data["chat_id"]), "type": "private"}}
                if method == "getMe":
                    return {"id": 123456789, "is_bot": True, "first_name": "Assistant", "username": "test_bot"}
                return True

            def reply(self, body: Any, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, call: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(call)

    def close(self) -> None:
        self.server.shutdown()
