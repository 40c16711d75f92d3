"""'Show more': the rest of a long answer, or the next page of publications, for the reply just shown.

"More" continues only the reply that offered it (a More button, whatever the channel shows it as):
after any other reply there is nothing more to show, and an older answer's rest or an older
publication search is not brought back.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import SCREEN, split_for_screen
from actions.publications import MORE_BUTTON, show_next_page
from actions.repository import graceful_when_unreachable

NOTHING_MORE = "That's all I have on that. What else would you like to know?"


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


def offered_more(tracker: Tracker) -> bool:
    """Whether a reply since the person's message before this one had the More button."""
    messages = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            messages += 1
            if messages == 2:
                break
        elif event.get("event") == "bot" and messages == 1:
            buttons = (event.get("data") or {}).get("buttons") or []
            if any(b.get("payload") == MORE_BUTTON["payload"] for b in buttons):
                return True
    return False


class ActionShowMore(Action):
    def name(self) -> str:
        return "action_show_more"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        if not offered_more(tracker):
            dispatcher.utter_message(text=NOTHING_MORE)
            return [SlotSet("more_text", None), SlotSet("publication_offset", None)]
        rest = tracker.get_slot("more_text")
        if rest:
            return utter_paged(dispatcher, rest, [])
        return show_next_page(dispatcher, tracker)
