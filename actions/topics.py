"""Answers on signs, risk factors, prevention, definitions and Prevention Month, with their source."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.more import utter_paged
from actions.repository import graceful_when_unreachable, knowledge_base
from actions.slots import latest_entities, latest_intent

# intent -> the answer topics that answer it (knowledge/CONTENT.md), the intent's own topic first:
# a myth set right answers the same questions as a definition.
INTENT_TOPICS = {
    "ask_signs": ("signs",),
    "ask_risk_factors": ("risk_factors",),
    "ask_prevention": ("prevention",),
    "ask_definition": ("definitions", "myths"),
    "ask_prevention_month": ("prevention_month",),
}


class ActionAnswerTopic(Action):
    def name(self) -> str:
        return "action_answer_topic"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        topics = INTENT_TOPICS.get(latest_intent(tracker) or "", ("signs",))
        question = tracker.latest_message.get("text") or ""
        answer = knowledge_base().best_answer(topics, question, latest_entities(tracker, "topic"))
        if answer is None:
            dispatcher.utter_message(response="utter_no_answer")
            return []
        # Remember what we talk about, for "do you have a publication on that?"
        talked_about = answer.subtopics[0] if answer.subtopics else None
        if talked_about is None and knowledge_base().label("topics", topics[0]):
            talked_about = topics[0]
        buttons = [{"title": "Publications on this", "payload": "/find_publications"},
                   {"title": "Who do I call?", "payload": '/ask_hotline{"situation": "suspected_trafficking"}'}]
        text = formatting.answer(answer)
        related = knowledge_base().publications(answer.publications)
        if related:
            listing = "\n".join(formatting.publication(p, n) for n, p in enumerate(related, 1))
            text += f"\nTo read more:\n{listing}"
        return [*utter_paged(dispatcher, text, buttons), SlotSet("topic", talked_about)]
