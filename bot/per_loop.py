"""One asyncio client per event loop: asyncpg pools and redis.asyncio connections belong to the loop
that opened them.

A Sanic worker runs one loop for its whole life, so there it is one client per worker. Tests and
tools that call `asyncio.run` get a new loop each time; clients of loops that have closed are
dropped when the next one is made.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, TypeVar

Client = TypeVar("Client")


class PerLoop(Generic[Client]):
    def __init__(self, connect: Callable[[], Awaitable[Client]]) -> None:
        self._connect = connect
        self._clients: dict[asyncio.AbstractEventLoop, asyncio.Future[Client]] = {}

    async def get(self) -> Client:
        """This loop's client, connected on first use (by one task, however many ask at once)."""
        loop = asyncio.get_running_loop()
        connecting = self._clients.get(loop)
        if connecting is None:
            self._clients = {other: client for other, client in self._clients.items() if not other.is_closed()}
            connecting = self._clients[loop] = asyncio.ensure_future(self._connect())
        try:
            return await asyncio.shield(connecting)  # one waiter cancelled does not cancel the others' connect
        except BaseException:
            if connecting.done() and self._clients.get(loop) is connecting:
                del self._clients[loop]  # the next call tries again (the server may be back)
            raise
