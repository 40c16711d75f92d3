"""Short follow-ups that name a state, an audience or a topic ("what about Ohio?"), and what else the
classifier reads as one ("should i tell her parents?", "would i get arrested??")."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import OWN_REPLY_SURE, answer_closely_or_listen, find_answer, reply_with, text_beyond_entities
from actions.laws import ActionExplainLaw
from actions.publications import ActionFindPublications
from actions.referrals import ActionReferHotline, ActionReportAbuse
from actions.repository import graceful_when_unreachable
from actions.slots import latest_entity
from knowledge.language import lemmas_of

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

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        for entity, action in FOLLOW_UPS:
            if latest_entity(tracker, entity):
                # More than a name ("should i tell her parents?" is not a request for parents'
                # publications): the answer that fits it very closely, else the follow-up
                if lemmas_of(text_beyond_entities(tracker)):
                    answered = reply_with(dispatcher, tracker, find_answer(tracker, floor=OWN_REPLY_SURE))
                    if answered is not None:
                        return answered
                return action.run(dispatcher, tracker, domain)
        # Nothing named ("would i get arrested??"): as for a message not understood, but never Rasa's
        # two-stage fallback, which takes any intent but nlu_fallback as clarified and would send the
        # message here again.
        answered = answer_closely_or_listen(dispatcher, tracker)
        if answered is None:
            dispatcher.utter_message(response="utter_default")
            return []
        return answered
