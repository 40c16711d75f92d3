"""Explain a federal law or guidance: what it requires of child welfare, with its citation."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.answers import answer_if_asked
from actions.more import utter_paged
from actions.repository import graceful_when_unreachable, knowledge_base
from actions.slots import entity_or_slot

# "Which law?": the four child welfare asks about most first, then "More laws" for the rest.
FIRST_OFFERED = ("pstsfa", "tvpa", "capta", "jvta")
MORE_LAWS = "more_laws"


class ActionExplainLaw(Action):
    def name(self) -> str:
        return "action_explain_law"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        key = entity_or_slot(tracker, "law")
        # "PSTSFA age 26 option", "the 24 hour rule for victims": the provision's answer, not the whole law
        answered = answer_if_asked(dispatcher, tracker, own_reply_answers=bool(key))
        if answered is not None:
            return answered
        law = knowledge_base().law(key) if key else None
        if law is None:
            ask_which_law(dispatcher, later=key == MORE_LAWS)
            return [SlotSet("law", None)]
        buttons = [{"title": "Other laws", "payload": "/ask_law"},
                   {"title": "Publications on laws", "payload": '/find_publications{"topic": "laws"}'}]
        return [*utter_paged(dispatcher, formatting.law(law), buttons), SlotSet("law", law.key)]


def ask_which_law(dispatcher: CollectingDispatcher, later: bool) -> None:
    laws = knowledge_base().laws()
    first = [law for key in FIRST_OFFERED for law in laws if law.key == key]
    offered = [law for law in laws if law not in first] if later else first
    buttons = [{"title": law.short_name or law.name, "payload": f'/ask_law{{"law": "{law.key}"}}'} for law in offered]
    if not later:
        buttons.append({"title": "More laws", "payload": f'/ask_law{{"law": "{MORE_LAWS}"}}'})
    dispatcher.utter_message(
        text="These federal laws and guidance shape how child welfare responds to trafficking. Which one?",
        buttons=buttons)
