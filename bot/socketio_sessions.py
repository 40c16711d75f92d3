"""socket.io sessions that belong to one socket, and payloads checked like REST ones.

Rasa's socket.io channel (session_persistence, credentials.yml) puts a socket in the room of
whatever `session_id` it asks for and sends the session's replies to that room: two sockets asking
for one id both got its replies (a crisis answer included), and either could `/restart` the other's
conversation. It accepts any string as an id, and drops a message whose `message` or `session_id` is
not a string, or is missing, without a word.

`install` (a Sanic listener, after the server starts) wraps the channel's event handlers:

- an id is taken only in the widget's format (16 random bytes in hex, bot/web/widget.js) and only
  when no other live socket holds it; otherwise the server assigns a fresh id, and says so in
  `session_confirm` (the widget adopts it). A socket holds one session at a time, until it disconnects.
- a message goes to the session its socket holds, whatever `session_id` it names; a socket that
  never asked for a session gets one first.
- a payload that is not an object with a text `message` (and, if any, object metadata) gets a reply
  that says what to send, with 911 and the hotline: "I am in danger" in a list must not meet silence.
  So does one nested deeper than REST allows (MAX_JSON_DEPTH): packets are read with `PacketJson`,
  where Python's parser raised RecursionError and the message was dropped. Messages are limited to
  1 MB, as REST bodies, by python-engineio (`max_http_buffer_size`).

The holders are known per process: with several workers or instances, sockets of one session on
different workers are not compared (the ids are random and never shown, so one must be stolen first).
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable

from engineio import json as engineio_json
from sanic import Sanic
from socketio import AsyncServer

from bot.quiet_log import refusal
from bot.security import MAX_JSON_DEPTH, json_depth

logger = logging.getLogger(__name__)

NAMESPACE = "/"
SESSION_ID = re.compile(r"[0-9a-f]{32}")  # widget.js newSessionId()
UNREADABLE = ("I could not read that message. Please send it as text. If you are in danger, call 911 or the "
              "National Human Trafficking Hotline: 1-888-373-7888 (or text 233733).")
Handler = Callable[..., Awaitable[Any]]
EVENT = re.compile(r'\[\s*"([^"\\]{1,100})"')  # the start of an event packet's data: ["user_uttered", ...


class PacketJson:
    """The json module socket.io packets are read with (python-socketio's `json` option): data nested
    deeper than MAX_JSON_DEPTH reads as its event without data, which the handlers answer."""

    dumps = staticmethod(engineio_json.dumps)

    @staticmethod
    def loads(text: str, *args: Any, **kwargs: Any) -> Any:
        try:
            value = engineio_json.loads(text, *args, **kwargs)
            if json_depth(value) <= MAX_JSON_DEPTH:
                return value
        except RecursionError:
            pass
        event = EVENT.match(text)
        if event is None:
            raise ValueError(f"socket.io packet nested deeper than {MAX_JSON_DEPTH} levels")
        return [event.group(1)]


class Sessions:
    """Which socket holds which session, in this process."""

    def __init__(self) -> None:
        self.holder: dict[str, str] = {}  # session id -> socket id
        self.session: dict[str, str] = {}  # socket id -> session id

    def claim(self, sid: str, requested: Any) -> str:
        """The session `sid` gets when it asks for `requested`: that one if it may, else a fresh one."""
        wanted = requested if isinstance(requested, str) and SESSION_ID.fullmatch(requested) else None
        if wanted is None or self.holder.get(wanted, sid) != sid:
            if requested is not None:
                refusal(logger, "socket.io session id refused (malformed or held by another socket): new id assigned.")
            wanted = uuid.uuid4().hex
        self.release(sid)
        self.holder[wanted], self.session[sid] = sid, wanted
        return wanted

    def release(self, sid: str) -> str | None:
        session = self.session.pop(sid, None)
        if session is not None and self.holder.get(session) == sid:
            del self.holder[session]
        return session


def guard(sio: AsyncServer, user_event: str, bot_event: str, sessions: Sessions) -> None:
    """Wrap the channel's handlers (python-socketio keeps them by namespace and event)."""
    sio.packet_class.json = PacketJson  # what AsyncServer(json=PacketJson) would have set
    handlers: dict[str, Handler] = sio.handlers[NAMESPACE]
    session_request, user_uttered, disconnect = (handlers["session_request"], handlers[user_event],
                                                 handlers["disconnect"])

    async def on_session_request(sid: str, data: Any = None) -> None:
        previous = sessions.session.get(sid)
        session = sessions.claim(sid, data.get("session_id") if isinstance(data, dict) else None)
        if previous and previous != session:
            sio.leave_room(sid, previous, namespace=NAMESPACE)
        await session_request(sid, {"session_id": session})  # Rasa's: joins the room, confirms the id

    async def on_user_uttered(sid: str, data: Any = None) -> None:
        metadata = data.get("customData", {}) if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("message"), str) or not isinstance(metadata, dict):
            refusal(logger, "socket.io message refused: not an object with a text message.")
            await sio.emit(bot_event, {"text": UNREADABLE}, room=sid, namespace=NAMESPACE)
            return
        session = sessions.session.get(sid)
        if session is None:
            await on_session_request(sid, data)
            session = sessions.session[sid]
        await user_uttered(sid, {**data, "session_id": session})

    async def on_disconnect(sid: str) -> None:
        sessions.release(sid)
        await disconnect(sid)

    handlers.update({"session_request": on_session_request, user_event: on_user_uttered,
                     "disconnect": on_disconnect})


def installer(user_event: str, bot_event: str) -> Callable[[Sanic, Any], Awaitable[None]]:
    """The listener (after_server_start) for the socket.io channel with these event names."""

    async def install(app: Sanic, _loop: Any = None) -> None:
        blueprint = app.blueprints.get("socketio_webhook")  # Rasa's name for the channel's blueprint
        if blueprint is not None:
            guard(blueprint.ctx.sio, user_event, bot_event, Sessions())

    return install
