"""What the rule-based NLU components do when they overrule the intent classifier."""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def overrule(message: Message, intent: str, keep_ranking: bool = True) -> None:
    """Make `intent` the message's intent, with full confidence and first in the ranking (or alone)."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent and keep_ranking]
    message.set(INTENT, {INTENT_NAME_KEY: intent, "confidence": 1.0}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: intent, "confidence": 1.0}, *ranking], add_to_output=True)
