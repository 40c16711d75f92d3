"""Refer to the right line: a national line for the situation, or a state's child abuse reporting line."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.answers import answer_if_asked
from actions.more import utter_paged
from actions.repository import graceful_when_unreachable, knowledge_base
from actions.slots import latest_entity

# Situations where a caller should also know that reports about a child go to CPS or the police.
CHILD_REPORT_SITUATIONS = {"suspected_trafficking", "abuse_support"}


class ActionReferHotline(Action):
    def name(self) -> str:
        return "action_refer_hotline"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        answered = answer_if_asked(dispatcher, tracker)  # "can I text the hotline instead of calling?"
        if answered is not None:
            return answered
        kb = knowledge_base()
        situation = latest_entity(tracker, "situation") or tracker.get_slot("situation")
        if not situation and any(e.get("name") == "action_answer_question" for e in tracker.events):
            situation = "suspected_trafficking"  # "and who do I call?" after talking about signs, risk...
        hotlines = kb.hotlines_for(situation) if situation else []
        if not hotlines:
            dispatcher.utter_message(
                response="utter_ask_situation",
                buttons=[{"title": t.label, "payload": f'/ask_hotline{{"situation": "{t.key}"}}'}
                         for t in kb.terms("situations") if kb.hotlines_for(t.key)],
            )
            return []
        for hotline in hotlines:
            dispatcher.utter_message(text=formatting.hotline(hotline))
        if situation in CHILD_REPORT_SITUATIONS:
            dispatcher.utter_message(response="utter_report_to_cps")
        return [SlotSet("situation", situation)]


class ActionReportAbuse(Action):
    def name(self) -> str:
        return "action_report_abuse"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        named = latest_entity(tracker, "us_state")
        answered = None if named else answer_if_asked(dispatcher, tracker)  # "what happens after I report?"
        if answered is not None:
            return answered
        abbr = named or tracker.get_slot("us_state")
        line = knowledge_base().state_line(abbr) if abbr else None
        if line is None:
            dispatcher.utter_message(response="utter_ask_state")
            return []
        buttons = [{"title": "Suspected trafficking?", "payload": '/ask_hotline{"situation": "suspected_trafficking"}'}]
        return [*utter_paged(dispatcher, formatting.state_line(line), buttons), SlotSet("us_state", line.abbr)]
