"""Refer to the right line: a national line for the situation, or a state's child abuse reporting line."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.answers import (
    CHILD_REPORT_SITUATIONS,
    LINE_ENTITIES,
    SAFETY_LINES,
    answer_if_asked,
    answer_just_shown,
    asks_only_what_now,
    helper_first_steps,
    show_answer,
)
from actions.more import utter_paged
from actions.repository import graceful_when_unreachable, knowledge_base
from actions.slots import entity_or_slot, latest_entity
from knowledge.schema import Hotline

# After these, "who do I call?" is about suspected trafficking: the conversation was about it.
TALKED_ABOUT_TRAFFICKING = {"action_answer_question", "action_answer_after_crisis"}
# Asking back which situation: a few at a time, most urgent first, then "Something else" for the next
# few; situations not named here come after them, by label.
OFFERED = 4
URGENCY = ("immediate_danger", "suicidal_thoughts", "suspected_trafficking", "missing_child",
           "report_child_abuse", "online_exploitation", "forced_labor", "image_removal")
SOMETHING_ELSE = "something_else"


def lines_of_answer_just_shown(tracker: Tracker) -> list[Hotline]:
    """"Who do I call?", "who do I report it to?" right after an answer that names lines of its own
    (NCMEC for a child missing from care, the CyberTipline for an online ad): those lines, not a
    list of situations or the state's child abuse line. Answers naming only 911 and the trafficking
    hotline leave the question to the situation."""
    if latest_entity(tracker, "situation") or latest_entity(tracker, "us_state"):
        return []
    answer = answer_just_shown(tracker)
    if answer is None or not set(answer.hotlines) - set(SAFETY_LINES):
        return []
    return knowledge_base().hotlines(answer.hotlines)


def utter_lines(dispatcher: CollectingDispatcher, lines: list[Hotline]) -> None:
    for hotline in lines:
        dispatcher.utter_message(text=formatting.hotline(hotline))


class ActionReferHotline(Action):
    def name(self) -> str:
        return "action_refer_hotline"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        kb = knowledge_base()
        if lines := lines_of_answer_just_shown(tracker):
            utter_lines(dispatcher, lines)
            return []
        # "what should I do right now?" is read as asking for the lines for immediate danger ("right now")
        what_now = asks_only_what_now(tracker.latest_message.get("text") or "")
        steps = helper_first_steps(tracker).answer if what_now else None
        if steps is not None:
            return show_answer(dispatcher, tracker, steps)
        situation = latest_entity(tracker, "situation") or tracker.get_slot("situation")
        talked_about_trafficking = any(e.get("name") in TALKED_ABOUT_TRAFFICKING for e in tracker.events)
        if not situation and (talked_about_trafficking or latest_entity(tracker, "us_state")):
            # "and who do I call?" after talking about signs, risk...; "who do I call in Ohio?" in an
            # assistant about trafficking: the trafficking lines and that state's line
            situation = "suspected_trafficking"
        if situation == "report_child_abuse":
            return report_abuse(dispatcher, tracker)  # "who do I call to report abuse?": the state's line
        hotlines = kb.hotlines_for(situation) if situation else []
        answered = answer_if_asked(dispatcher, tracker, own_reply_answers=bool(hotlines),  # "can I text them?"
                                  own_lines=[h.key for h in hotlines], answered=LINE_ENTITIES)
        if answered is not None:
            return answered
        if not hotlines:
            ask_situation(dispatcher, later=situation == SOMETHING_ELSE)
            return [SlotSet("situation", None)]
        utter_lines(dispatcher, hotlines)
        events: List[Dict[str, Any]] = [SlotSet("situation", situation)]
        known_state = entity_or_slot(tracker, "us_state")  # named now or earlier in the conversation
        line = kb.state_line(known_state) if known_state else None
        if situation in CHILD_REPORT_SITUATIONS and line is not None:
            # "who do I call in Ohio?": the state's own line, not "tell me the state"
            events += utter_paged(dispatcher, formatting.state_line(line), [])
            events.append(SlotSet("us_state", line.abbr))
        elif situation in CHILD_REPORT_SITUATIONS:
            dispatcher.utter_message(response="utter_report_to_cps")
        return events


def ask_situation(dispatcher: CollectingDispatcher, later: bool) -> None:
    """Which situation? The most urgent first; "Something else" brings the next ones."""
    kb = knowledge_base()
    situations = sorted((t for t in kb.terms("situations") if kb.hotlines_for(t.key)),
                        key=lambda t: URGENCY.index(t.key) if t.key in URGENCY else len(URGENCY))
    buttons = [{"title": t.label, "payload": f'/ask_hotline{{"situation": "{t.key}"}}'}
               for t in (situations[OFFERED:2 * OFFERED] if later else situations[:OFFERED])]
    if later:
        dispatcher.utter_message(response="utter_ask_situation_in_words", buttons=buttons)
        return
    buttons.append({"title": "Something else", "payload": f'/ask_hotline{{"situation": "{SOMETHING_ELSE}"}}'})
    dispatcher.utter_message(response="utter_ask_situation", buttons=buttons)


def report_abuse(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """The state's child abuse reporting line; without a state, the answer to what the message asks
    ("can I report without my name?") when one fits, or else the question "which state?"."""
    named = latest_entity(tracker, "us_state")
    abbr = named or tracker.get_slot("us_state")
    if lines := lines_of_answer_just_shown(tracker):  # "who do I report it to?" about a child missing from care
        utter_lines(dispatcher, lines)
        return []
    if not named:
        answered = answer_if_asked(dispatcher, tracker, own_reply_answers=bool(abbr), answered=LINE_ENTITIES)
        if answered is not None:
            return answered
    line = knowledge_base().state_line(abbr) if abbr else None
    if line is None:
        dispatcher.utter_message(response="utter_ask_state")
        return []
    if tracker.get_slot("situation") in CHILD_REPORT_SITUATIONS:
        # "who do I call?" about trafficking, then "in Ohio": the state's line next to the national one
        events = utter_paged(dispatcher, formatting.state_line(line), [])
        national = knowledge_base().hotline("nhth")
        if national is not None:
            dispatcher.utter_message(text=formatting.next_step(national))
        return [*events, SlotSet("us_state", line.abbr), SlotSet("situation", None)]
    buttons = [{"title": "Suspected trafficking?", "payload": '/ask_hotline{"situation": "suspected_trafficking"}'}]
    return [*utter_paged(dispatcher, formatting.state_line(line), buttons), SlotSet("us_state", line.abbr)]


class ActionReportAbuse(Action):
    def name(self) -> str:
        return "action_report_abuse"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return report_abuse(dispatcher, tracker)
