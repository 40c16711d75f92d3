"""What the greeting says the server keeps, from the configuration, set in one place.

`utter_greet` (domain.yml) has one variation per kind of tracker store, chosen by the slot
`conversation_store`, and names how long a persistent store keeps conversations from the slot
`retention_days`. The domain can only hold one initial value, so `install` (a Sanic listener,
after the agent is loaded; bot/server.py) sets both slots' initial values from the environment
before any conversation starts: the greeting then never says less than what is really kept.

TRACKER_STORE_URL  set: conversations are written, redacted, to the SQL tracker store (bot/stores.py).
RETENTION_DAYS     how long they are kept there (default 30): `python -m bot retention` deletes older
                   ones, and its --days defaults to this, so the job and the greeting agree.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from rasa.shared.core.domain import Domain
from sanic import Sanic

RETENTION_DAYS = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30.0
STORE_SLOT = "conversation_store"
DAYS_SLOT = "retention_days"


def retention_days(env: Mapping[str, str]) -> float:
    raw = env.get(RETENTION_DAYS) or str(DEFAULT_RETENTION_DAYS)
    try:
        days = float(raw)
    except ValueError:
        raise SystemExit(f"{RETENTION_DAYS} must be a number of days, not {raw!r}") from None
    if days <= 0:
        raise SystemExit(f"{RETENTION_DAYS} must be more than 0, not {raw!r}")
    return days


def notice_slots(env: Mapping[str, str]) -> dict[str, str]:
    """The greeting's slots for this configuration."""
    store = "persistent" if env.get("TRACKER_STORE_URL") else "memory"
    return {STORE_SLOT: store, DAYS_SLOT: f"{retention_days(env):g}"}


def configure(domain: Domain, env: Mapping[str, str]) -> None:
    """Give the domain's slots the initial values this configuration calls for."""
    values = notice_slots(env)
    for slot in domain.slots:
        if slot.name in values:
            slot.initial_value = slot.value = values[slot.name]


async def install(app: Sanic, _loop: Any = None) -> None:
    """Listener (after_server_start, once the agent is loaded)."""
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.domain is not None:
        configure(agent.domain, os.environ)
