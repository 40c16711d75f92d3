"""Reading what the user said: entities of the latest message, falling back to remembered slots."""
from __future__ import annotations

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entities(tracker: Tracker, entity: str) -> list[str]:
    """Values of `entity` in the latest user message, in order, without repeats."""
    return list(dict.fromkeys(str(v) for v in tracker.get_latest_entity_values(entity)))


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    values = latest_entities(tracker, entity)
    return values[0] if values else None


def entity_or_slot(tracker: Tracker, entity: str) -> str | None:
    """The value named in the latest message, else the one remembered from earlier turns."""
    value = latest_entity(tracker, entity) or tracker.get_slot(entity)
    return str(value) if value else None
