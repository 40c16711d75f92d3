"""Answers on signs, risk factors, prevention, definitions and Prevention Month, with their source."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.repository import knowledge_base
from actions.slots import latest_entities, latest_intent

# intent -> answers.yml topic
INTENT_TOPICS = {
    "ask_signs": "signs",
    "ask_risk_factors": "risk_factors",
    "ask_prevention": "prevention",
    "ask_definition": "definitions",
    "ask_prevention_month": "prevention_month",
}


class ActionAnswerTopic(Action):
    def name(self) -> str:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        topic = INTENT_TOPICS.get(latest_intent(tracker) or "", "signs")
        question = tracker.latest_message.get("text") or ""
        answer = knowledge_base().best_answer(topic, question, latest_entities(tracker, "topic"))
        if answer is None:
            dispatcher.utter_message(response="utter_no_answer")
            return []
        buttons = [{"title": "Publications on this", "payload": "/find_publications"}]
        if topic == "signs":
            buttons.append({"title": "Who do I call?", "payload": '/ask_hotline{"situation": "suspected_trafficking"}'})
        dispatcher.utter_message(text=formatting.answer(answer), buttons=buttons)
        related = knowledge_base().publications(answer.publications)
        if related:
            listing = "\n".join(formatting.publication(p, n) for n, p in enumerate(related, 1))
            dispatcher.utter_message(text=f"To read more:\n{listing}")
        return []
