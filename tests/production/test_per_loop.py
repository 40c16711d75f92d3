"""bot/per_loop.py: one asyncio client per event loop, connected once however many ask at once."""
from __future__ import annotations

import asyncio

import pytest

from bot.per_loop import PerLoop


class Connections:
    """A stand-in for asyncpg.create_pool: counts connects, fails while `down` is set."""

    def __init__(self) -> None:
        self.made: list[asyncio.AbstractEventLoop] = []
        self.down = False

    async def connect(self) -> object:
        await asyncio.sleep(0.01)  # others ask while this one connects
        if self.down:
            raise ConnectionRefusedError("database down")
        self.made.append(asyncio.get_running_loop())
        return object()


def test_one_client_per_loop_however_many_ask_at_once():
    connections = Connections()
    clients = PerLoop(connections.connect)

    async def ask(times: int) -> set[int]:
        return {id(client) for client in await asyncio.gather(*(clients.get() for _ in range(times)))}

    assert len(asyncio.run(ask(5))) == 1
    assert len(asyncio.run(ask(3))) == 1
    assert len(connections.made) == 2 and connections.made[0] is not connections.made[1]  # one per loop
    assert len(clients._clients) == 1  # the first loop's client went when the second loop needed one


def test_a_failed_connect_is_tried_again_on_the_next_call():
    connections = Connections()
    clients = PerLoop(connections.connect)

    async def outage_then_recovery() -> object:
        connections.down = True
        with pytest.raises(ConnectionRefusedError):
            await clients.get()
        connections.down = False
        return await clients.get()

    assert asyncio.run(outage_then_recovery()) is not None and len(connections.made) == 1


def test_a_cancelled_caller_does_not_cancel_the_others_connect():
    connections = Connections()
    clients = PerLoop(connections.connect)

    async def one_gives_up() -> object:
        impatient = asyncio.ensure_future(clients.get())
        patient = asyncio.ensure_future(clients.get())
        await asyncio.sleep(0)
        impatient.cancel()
        return await patient

    assert asyncio.run(one_gives_up()) is not None and len(connections.made) == 1
