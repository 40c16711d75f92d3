"""'Show more': the rest of a long answer, or the next page of publications."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import SCREEN, split_for_screen
from actions.publications import MORE_BUTTON, show_next_page
from actions.repository import graceful_when_unreachable


def utter_paged(dispatcher: CollectingDispatcher, text: str, buttons: List[Dict[str, str]]) -> List[Dict[str, Any]]:
    """Send one screenful and keep the rest for "more". The source line, when the text ends with
    one, always shows on the first screen."""
    body, _, last = text.rpartition("\n")
    source = last if body and last.startswith("Source:") else ""
    first, rest = split_for_screen(body if source else text, SCREEN - len(source))
    if source:
        first = f"{first}\n{source}"
    dispatcher.utter_message(text=first, buttons=[MORE_BUTTON, *buttons] if rest else buttons)
    return [SlotSet("more_text", rest or None)]


class ActionShowMore(Action):
    def name(self) -> str:
        return "action_show_more"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        rest = tracker.get_slot("more_text")
        if rest:
            return utter_paged(dispatcher, rest, [])
        return show_next_page(dispatcher, tracker)
