"""Short follow-ups that only name a state, an audience or a topic ("what about Ohio?")."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.laws import ActionExplainLaw
from actions.publications import ActionFindPublications
from actions.referrals import ActionReferHotline, ActionReportAbuse
from actions.slots import latest_entity

# The first entity found decides which question the follow-up continues.
FOLLOW_UPS: list[tuple[str, Action]] = [
    ("us_state", ActionReportAbuse()),
    ("law", ActionExplainLaw()),
    ("situation", ActionReferHotline()),
    ("audience", ActionFindPublications()),
    ("publication_type", ActionFindPublications()),
    ("topic", ActionFindPublications()),
]


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        for entity, action in FOLLOW_UPS:
            if latest_entity(tracker, entity):
                return action.run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_default")
        return []
