"""Find publications by topic, audience, type or free text: the best three, then more on request."""
from __future__ import annotations

import json
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.repository import graceful_when_unreachable, knowledge_base
from actions.slots import latest_entity
from knowledge.schema import Publication

PAGE = 3
# Words that ask for publications without saying about what.
GENERIC_WORDS = {"publication", "resource", "reading", "read", "material", "recommend", "suggest", "share",
                 "document", "paper", "article", "info", "information", "good", "need", "want", "look",
                 "give", "list", "book", "handout", "link", "learn"}
MORE_BUTTON = {"title": "More", "payload": "/more_results"}


def _find(search: Dict[str, Any], offset: int) -> list[Publication]:
    """One page of a search, and one more result to know whether there is a next page."""
    return knowledge_base().find_publications(search["words"], topic=search["topic"], audience=search["audience"],
                                              pub_type=search["type"], offset=offset, limit=PAGE + 1)


def _show_page(dispatcher: CollectingDispatcher, search: Dict[str, Any], offset: int,
               found: list[Publication] | None = None) -> List[Dict[str, Any]]:
    """Show one page of results for a search; remember where the next page starts."""
    kb = knowledge_base()
    found = _find(search, offset) if found is None else found
    page = found[:PAGE]
    if not page:
        dispatcher.utter_message(response="utter_no_more_publications" if offset else "utter_no_publications")
        return [SlotSet("publication_offset", None)]
    about = [kb.label("topics", search["topic"]), kb.label("audiences", search["audience"]),
             kb.label("publication_types", search["type"])]
    described = f" ({', '.join(a for a in about if a)})" if any(about) else ""
    intro = "More publications" if offset else "Publications I'd suggest"
    listing = "\n".join(formatting.publication(p, offset + n) for n, p in enumerate(page, 1))
    dispatcher.utter_message(text=f"{intro}{described}:\n{listing}", buttons=[MORE_BUTTON] if len(found) > PAGE else [])
    return [SlotSet("publication_search", json.dumps(search)), SlotSet("publication_offset", offset + PAGE),
            SlotSet("more_text", None)]  # "more" now means more publications


class ActionFindPublications(Action):
    def name(self) -> str:
        return "action_find_publications"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        search: Dict[str, Any] = {
            "words": "" if text.startswith("/") else text,  # a button payload is not words to search
            "topic": latest_entity(tracker, "topic"),
            "audience": latest_entity(tracker, "audience"),
            "type": latest_entity(tracker, "publication_type"),
        }
        if not any(search[k] for k in ("topic", "audience", "type")):
            # "do you have a publication on that?": the topic of the conversation so far
            search["topic"] = tracker.get_slot("topic")
            if not search["topic"] and not knowledge_base().says_more_than(search["words"], GENERIC_WORDS):
                dispatcher.utter_message(response="utter_ask_which_publications", buttons=[
                    {"title": t.label, "payload": f'/find_publications{{"topic": "{t.key}"}}'}
                    for t in knowledge_base().terms("topics")
                ])
                return []
        # Filters narrow; when they leave less than a page, relax the most specific first. The words
        # still rank what matches them best first.
        found = _find(search, 0)
        for relaxed in ("type", "audience", "topic"):
            if len(found) >= PAGE:
                break
            if search[relaxed]:
                search[relaxed] = None
                found = _find(search, 0)
        return _show_page(dispatcher, search, 0, found)


def show_next_page(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Continue the last publication search, or ask what to look for."""
    stored = tracker.get_slot("publication_search")
    offset = tracker.get_slot("publication_offset")
    if not stored or offset is None:
        dispatcher.utter_message(response="utter_ask_publication_topic")
        return []
    return _show_page(dispatcher, json.loads(stored), int(offset))
