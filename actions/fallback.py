"""Two-stage fallback, asked in plain words: "Did you mean: the signs of trafficking?"."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# How each intent reads to a person (Rasa's default would show the intent's name).
INTENT_LABELS = {
    "ask_signs": "the signs of trafficking",
    "ask_risk_factors": "who is at risk",
    "ask_prevention": "how to prevent trafficking",
    "ask_definition": "what counts as trafficking",
    "ask_prevention_month": "Human Trafficking Prevention Month",
    "ask_law": "federal laws",
    "find_publications": "publications and resources",
    "more_results": "more of the last answer",
    "ask_hotline": "which line to call",
    "report_abuse": "reporting child abuse",
    "inform": "the place or group you named",
    "ask_capabilities": "what I can help with",
    "bot_challenge": "whether I'm a bot",
    "request_human": "talking to a person",
    "greet": "saying hello",
    "goodbye": "saying goodbye",
    "thank": "saying thanks",
    "start_over": "starting over",
}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        guess = next((r["name"] for r in ranking if r.get("name") in INTENT_LABELS), None)
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            text=f"Did you mean: {INTENT_LABELS[guess]}?",
            buttons=[{"title": "Yes", "payload": f"/{guess}"}, {"title": "No", "payload": "/out_of_scope"}],
        )
        return []
