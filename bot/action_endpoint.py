"""Rasa's calls to the action server, over connections kept open between calls.

Rasa's EndpointConfig opens a new HTTP client session for every custom action it runs, and with it a
new TCP connection, closed after the answer: a handshake, a connection for the action server's
Sanic to set up and tear down, and the kernel's work for both, on every knowledge-base answer. Here
each event loop (one per Sanic worker) keeps one client session for the action server, whose
connections stay open for the next calls.

The action server closes a connection idle for 5 s (Sanic's KEEP_ALIVE_TIMEOUT); the client lets go
of its own after 4 s, so it does not send on a connection the server is closing. One that drops
anyway fails the call with a connection error, which ActionWithFallback (bot/action_fallback.py)
runs once more.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

IDLE_SECONDS = 4  # below the action server's keep-alive timeout (5 s)

_Key = tuple[asyncio.AbstractEventLoop, str, str]
# each session with the task that closes it when its loop shuts down
_sessions: dict[_Key, tuple[aiohttp.ClientSession, asyncio.Task[None]]] = {}


class KeptAliveEndpoint(EndpointConfig):
    """An EndpointConfig whose requests share this event loop's session (Rasa's request() is unchanged)."""

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> KeptAliveEndpoint:
        return cls(endpoint.url, endpoint.params, endpoint.headers, endpoint.basic_auth, endpoint.token,
                   endpoint.token_name, endpoint.cafile, **endpoint.kwargs)

    def session(self) -> contextlib.nullcontext[aiohttp.ClientSession]:
        # Rasa's request() closes the session it gets at the end of `async with`; a kept one stays open
        loop = asyncio.get_running_loop()
        # the session carries the endpoint's headers and credentials, as Rasa's would
        key = (loop, repr(sorted(self.headers.items())), repr(self.basic_auth))
        kept = _sessions.get(key)
        if kept is None or kept[0].closed:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
                if self.basic_auth else None
            session = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS))
            kept = _sessions[key] = session, loop.create_task(_close_at_shutdown(key, session))
        return contextlib.nullcontext(kept[0])


async def _close_at_shutdown(key: _Key, session: aiohttp.ClientSession) -> None:
    """Waits for its loop to shut down, then closes the session: `asyncio.run` (tests, tools) cancels
    the tasks still waiting before it closes the loop, and so does close_sessions in a Sanic worker."""
    try:
        await asyncio.Event().wait()
    finally:
        if _sessions.get(key, (None,))[0] is session:
            del _sessions[key]
        await session.close()


async def close_sessions(*_: Any) -> None:
    """Close this loop's sessions: a Sanic listener (after_server_stop), so a worker stops cleanly."""
    loop = asyncio.get_running_loop()
    closing = [task for key, (_, task) in _sessions.items() if key[0] is loop]
    for task in closing:
        task.cancel()
    await asyncio.gather(*closing, return_exceptions=True)
