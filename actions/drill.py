"""Drill: an open question, answered in the trainee's own words, then the model answer and its source.

Like the quiz it runs as a form (drill_form, slot drill_answer). The `drill` slot holds the
question keys, the current index and whether the model answer was shown; once it was, the next
reply means "next" or "stop".
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import choice, formatting
from actions.quiz import focus, seeded_random
from actions.repository import graceful_when_unreachable, knowledge_base, reads_in_one_session
from knowledge.language import lemmas_of
from knowledge.schema import Drill

DRILL_LENGTH = 5
FINISHED = "finished"
NEXT_BUTTONS = [{"title": "Next question", "payload": "next"}, {"title": "Stop", "payload": "stop"}]


def covered_terms(drill: Drill, reply: str) -> tuple[list[str], list[str]]:
    """The key terms the reply mentions and those it leaves out. A term counts when all its
    meaningful words are there in any form ("reported to the police within 24 hrs" is not "law
    enforcement", but "24 hour" is "24 hours")."""
    said = set(lemmas_of(reply))
    lowered = reply.lower()
    hit: list[str] = []
    missed: list[str] = []
    for term in drill.key_terms:
        words = set(lemmas_of(term))
        (hit if term.lower() in lowered or (words and words <= said) else missed).append(term)
    return hit, missed


def model_answer(drill: Drill, reply: str) -> str:
    hit, missed = covered_terms(drill, reply) if reply.strip() else ([], [])
    lines = [f"Model answer: {drill.model_answer}"]
    if hit:
        lines.append(f"Your answer covered: {', '.join(hit)}.")
    if missed:
        lines.append(f"Also worth mentioning: {', '.join(missed)}.")
    lines.append(formatting.entry_source(knowledge_base().entry(drill.source_kind, drill.source_key)))
    return "\n".join(lines)


class ActionStartDrill(Action):
    def name(self) -> str:
        return "action_start_drill"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        label, wanted = focus(tracker)
        drills = knowledge_base().drills()
        matching = [d for d in drills if wanted(d)] or drills
        if len(matching) == len(drills) and label:
            label = None  # nothing on that topic: a mixed drill
        rng = seeded_random()
        chosen = rng.sample(matching, min(DRILL_LENGTH, len(matching)))
        about = f" on {label}" if label else ""
        dispatcher.utter_message(
            text=f"Let's drill{about}. I'll ask, you answer in your own words, then I'll show a model answer "
                 "and its source. Say skip or stop at any time."
        )
        state = {"questions": [d.key for d in chosen], "index": 0, "answered": False}
        return [SlotSet("drill", state), SlotSet("drill_answer", None)]


class ActionAskDrillAnswer(Action):
    """The form's prompt: the open question, or after a model answer, "next or stop?"."""

    def name(self) -> str:
        return "action_ask_drill_answer"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        state = tracker.get_slot("drill") or {}
        questions = state.get("questions") or []
        index = state.get("index", 0)
        if state.get("answered"):
            more = index + 1 < len(questions)
            dispatcher.utter_message(text="Another question?" if more else "That was the last question. Stop here?",
                                     buttons=NEXT_BUTTONS if more else NEXT_BUTTONS[1:])
            return []
        drill = knowledge_base().drill(questions[index]) if index < len(questions) else None
        if drill is None:
            dispatcher.utter_message(text="Say \"ask me about laws\" to start a drill.")
            return []
        dispatcher.utter_message(text=f"Question {index + 1} of {len(questions)}: {drill.question}",
                                 buttons=[{"title": "Skip", "payload": "skip"}, {"title": "Stop", "payload": "stop"}])
        return []


class ValidateDrillForm(FormValidationAction):
    def name(self) -> str:
        return "validate_drill_form"

    @reads_in_one_session
    def validate_drill_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[str, Any]:
        if value is None:
            # Not a reply: action_start_drill cleared the slot (see ValidateQuizForm); the form asks
            # the first question instead of answering it.
            return {"drill_answer": None}
        state = dict(tracker.get_slot("drill") or {})
        questions = state.get("questions") or []
        index = state.get("index", 0)
        text = str(value or "")
        said = choice.command(text)
        # "quiz me", "new topic": the drill ends, and its last reply offers a quiz and more questions
        if said in ("stop", "new", "topic") or index >= len(questions):
            return {"drill_answer": FINISHED}
        if state.get("answered"):  # after a model answer, anything but "stop" means the next question
            state.update(index=index + 1, answered=False)
            return {"drill_answer": FINISHED if index + 1 >= len(questions) else None, "drill": state}
        if said == "repeat":
            return {"drill_answer": None}
        drill = knowledge_base().drill(questions[index])
        if drill is None:  # a load of the content took it away mid-drill
            raise LookupError(f"the knowledge base has no drill {questions[index]!r}")
        dispatcher.utter_message(text=model_answer(drill, "" if said == "skip" else text))
        state["answered"] = True
        return {"drill_answer": None, "drill": state}


class ActionFinishDrill(Action):
    def name(self) -> str:
        return "action_finish_drill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        dispatcher.utter_message(
            text="OK, that's the end of the drill. Well done for practising.",
            buttons=[{"title": "Take a quiz", "payload": "/start_quiz"},
                     {"title": "More open questions", "payload": "/start_drill"}],
        )
        return [SlotSet("drill", None), SlotSet("drill_answer", None)]
