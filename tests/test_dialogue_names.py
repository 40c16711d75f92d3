"""The names both processes take from knowledge/dialogue_names.py are the ones domain.yml and the
rules use: a renamed response or intent fails here, not in a crisis."""
from __future__ import annotations

import yaml

from bot.components.crisis_safety_net import CATEGORY_INTENTS
from knowledge.dialogue_names import CRISIS_INTENTS, CRISIS_RESPONSES, UNAVAILABLE
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_crisis_intents_and_responses_are_the_domain_s():
    assert set(DOMAIN["intents"]) >= CRISIS_INTENTS
    assert set(CRISIS_RESPONSES.values()) | {UNAVAILABLE} <= set(DOMAIN["responses"])


def test_each_crisis_intent_gets_its_response_first_in_the_rules():
    rules = yaml.safe_load((ROOT / "data" / "rules" / "safety.yml").read_text(encoding="utf-8"))["rules"]
    first_action = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules
                    if "intent" in rule["steps"][0]}
    assert {intent: first_action.get(intent) for intent in CRISIS_INTENTS} == CRISIS_RESPONSES


def test_the_safety_net_s_categories_mean_the_crisis_intents():
    assert set(CATEGORY_INTENTS.values()) == CRISIS_INTENTS
