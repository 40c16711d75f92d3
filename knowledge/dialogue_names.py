"""Names the Rasa server (bot/) and the action server (actions/) must agree on with domain.yml and
the rules, in one place: both processes ship `knowledge/` (deploy/*.Dockerfile).
tests/test_dialogue_names.py checks them against domain.yml and data/rules/safety.yml."""
from __future__ import annotations

# The crisis intents, most serious first, and the domain response each gets at once
# (data/rules/safety.yml; bot/last_resort.py sends them when the rest of the server fails).
CRISIS_RESPONSES = {"suicidal": "utter_suicide_crisis", "crisis": "utter_crisis"}
CRISIS_INTENTS = frozenset(CRISIS_RESPONSES)
# The hotline message for a knowledge base or action server that cannot be reached.
UNAVAILABLE = "utter_service_unavailable"
