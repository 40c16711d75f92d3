"""Staff training quiz: scenario questions from the knowledge base, feedback with the source, a score.

The quiz runs as a form (quiz_form) whose one slot, quiz_answer, takes every message but a crisis
one; validate_quiz_form reads the reply (choice.py): a command (stop, skip, repeat, a new quiz or
topic) or an answer, which gets feedback and the next question; anything else gets the options again.
Where the quiz stands is kept in the `quiz` slot: the question keys, the order each question's options
are shown in, the current index, right, missed and skipped keys, whether the question is asked again
briefly (`brief`) and whether the trainee asked for another topic (`choose_topic`).
"""
from __future__ import annotations

import os
import random
from collections import Counter
from typing import Any, Callable, Dict, List, Sequence

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import choice, formatting
from actions.repository import graceful_when_unreachable, knowledge_base, reads_in_one_session
from actions.slots import latest_entities, latest_entity
from knowledge.content import DIFFICULTIES, LETTERS
from knowledge.schema import Scenario

QUIZ_LENGTH = 5
HOTLINE_WORDS = ("hotline", "hotlines", "phone line", "which line", "who to call", "who do i call", "helpline")
# a situation someone names ("quiz me on kids missing from care") stands for its training topic
SITUATION_TOPICS = {"missing_child": "missing_from_care", "runaway_youth": "missing_from_care",
                    "online_exploitation": "online_exploitation"}
FINISHED = "finished"  # quiz_answer's value when the quiz is over: the form then completes
CONTROL_BUTTONS = [{"title": "Skip", "payload": "skip"}, {"title": "Repeat", "payload": "repeat"},
                   {"title": "Stop", "payload": "stop"}]
AFTER_BUTTONS = [{"title": "Another quiz", "payload": "/start_quiz"},
                 {"title": "Open questions on laws", "payload": '/start_drill{"topic": "laws"}'}]
TOPIC_CHOICES = ("signs", "risk_factors", "laws", "reporting")  # topics with the most questions, plus a mixed quiz


def seeded_random() -> random.Random:
    """QUIZ_SEED makes the questions repeatable (tests, demonstrations); unset, every quiz differs."""
    seed = os.environ.get("QUIZ_SEED")
    return random.Random(seed) if seed else random.Random()


def focus(tracker: Tracker) -> tuple[str | None, Callable[[Any], bool]]:
    """What the trainee asked to practise, as (label, test of a scenario or drill); (None, all) when nothing."""
    kb = knowledge_base()
    law = latest_entity(tracker, "law")
    item = kb.law(law) if law else None
    if item is not None:
        key: str = item.key
        return item.short_name or item.name, lambda s: s.source_kind == "law" and s.source_key == key
    text = (tracker.latest_message.get("text") or "").lower()
    if any(word in text for word in HOTLINE_WORDS):
        return "which line to call", lambda s: s.source_kind == "hotline"
    situations = [SITUATION_TOPICS[s] for s in latest_entities(tracker, "situation") if s in SITUATION_TOPICS]
    for topic in [*latest_entities(tracker, "topic"), *situations]:
        label = kb.label("topics", topic)
        if label:
            return label.lower(), _on_topic(topic)
    return None, lambda s: True


def _on_topic(topic: str) -> Callable[[Any], bool]:
    """The test of a scenario or drill on `topic`."""
    return lambda s: topic in s.topics


def select_questions(scenarios: Sequence[Scenario], rng: random.Random, count: int = QUIZ_LENGTH) -> list[Scenario]:
    """`count` different scenarios of mixed difficulty, easiest first.

    Each difficulty is shuffled, then they are taken in turn (basic, intermediate, advanced, basic,
    ...) so a short quiz still mixes levels."""
    buckets = {level: [s for s in scenarios if s.difficulty == level] for level in DIFFICULTIES}
    for bucket in buckets.values():
        rng.shuffle(bucket)
    chosen: list[Scenario] = []
    while len(chosen) < count and any(buckets.values()):
        for level in DIFFICULTIES:
            if buckets[level] and len(chosen) < count:
                chosen.append(buckets[level].pop())
    return sorted(chosen, key=lambda s: DIFFICULTIES.index(s.difficulty))


def option_orders(questions: Sequence[Scenario], rng: random.Random) -> list[list[int]]:
    """The order each question's options are shown in (indexes into its options), so that which
    letter is right cannot be learnt.

    Each right answer's letter is drawn at random among its question's letters, all drawn again while
    one letter would be right more often than an even share plus one (in 3 of 5 questions at most):
    no letter dominates a quiz, yet the letters right so far say little about the next one
    (docs/TRAINING.md). The wrong options fill the other places in random order."""
    sizes = [len(q.options) for q in questions]
    most = -(-len(sizes) // min(sizes, default=1)) + 1  # an even share, rounded up, plus one
    places = [rng.randrange(size) for size in sizes]
    while max(Counter(places).values(), default=0) > most:
        places = [rng.randrange(size) for size in sizes]
    orders = []
    for item, place in zip(questions, places, strict=True):
        order = [i for i in range(len(item.options)) if i != item.answer]
        rng.shuffle(order)
        order.insert(place, item.answer)
        orders.append(order)
    return orders


def new_quiz(questions: Sequence[Scenario], topic: str | None, rng: random.Random) -> Dict[str, Any]:
    return {"questions": [q.key for q in questions], "orders": option_orders(questions, rng), "index": 0,
            "right": [], "missed": [], "skipped": [], "topic": topic}


def start(dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
    """Introduce a quiz on what the latest message asks to practise (a mixed one when nothing, or
    nothing we have questions on), and return its state."""
    label, wanted = focus(tracker)
    scenarios = knowledge_base().scenarios()
    matching = [s for s in scenarios if wanted(s)]
    if not matching:
        dispatcher.utter_message(text=f"I have no practice questions on {label} yet, so here is a mixed quiz.")
        label, matching = None, scenarios
    rng = seeded_random()
    questions = select_questions(matching, rng)
    about = f" on {label}" if label else ""
    dispatcher.utter_message(
        text=f"Let's practise{about}: {len(questions)} questions, mixed difficulty. I'm a bot, and this is "
             "just practice. Reply with a letter, a number or the option's words. Say skip, repeat, stop or "
             "new quiz at any time."
    )
    return new_quiz(questions, label, rng)


def topic_buttons() -> List[Dict[str, str]]:
    kb = knowledge_base()
    labels = [(key, kb.label("topics", key)) for key in TOPIC_CHOICES]
    return [*({"title": label, "payload": f'/start_quiz{{"topic": "{key}"}}'} for key, label in labels if label),
            {"title": "A mixed quiz", "payload": "/start_quiz"}]


def current_question(quiz: Dict[str, Any]) -> Scenario | None:
    """The scenario the quiz is on, or None when it has none left (or never started)."""
    questions, index = quiz.get("questions") or [], quiz.get("index", 0)
    return knowledge_base().scenario(questions[index]) if index < len(questions) else None


def shown_order(quiz: Dict[str, Any], item: Scenario) -> list[int]:
    """The order the current question's options are shown in; as written in the content for a quiz
    kept from before orders were, or whose question has since gained or lost an option."""
    orders, index = quiz.get("orders") or [], quiz.get("index", 0)
    written = list(range(len(item.options)))
    order = orders[index] if index < len(orders) else None
    return order if order and sorted(order) == written else written


def feedback(item: Scenario, picked: int | None, order: Sequence[int]) -> str:
    """Right or not, the correct answer (with its letter as shown), why, and where it comes from."""
    correct = formatting.option(LETTERS[order.index(item.answer)], item.options[item.answer])
    if picked == item.answer:
        head = f"Right: {correct}"
    elif picked is None:
        head = f"Skipped. The answer is {correct}"
    else:
        head = f"Not quite; that one trips a lot of people up. The answer is {correct}"
    entry = knowledge_base().entry(item.source_kind, item.source_key)
    return "\n".join([head, item.explanation, formatting.entry_source(entry)])


def reading_for(keys: Sequence[str], limit: int = 3) -> list[str]:
    """Publications and laws to read after missing these questions: each question's source, or
    for a vetted answer, the publications it points to."""
    kb = knowledge_base()
    lines: list[str] = []
    for key in keys:
        item = kb.scenario(key)
        if item is None:
            continue
        entry = kb.entry(item.source_kind, item.source_key)
        related = kb.publications(entry.publications[:1]) if item.source_kind == "answer" and entry.publications else []
        for line in [formatting.read_next(r) for r in related] or [formatting.read_next(entry)]:
            if line not in lines:
                lines.append(line)
    return lines[:limit]


def score(quiz: Dict[str, Any]) -> str:
    right, missed, skipped = len(quiz["right"]), len(quiz["missed"]), len(quiz["skipped"])
    answered = right + missed
    if answered + skipped == 0:
        return "OK, we've stopped the quiz. You can start again any time: say \"quiz me\"."
    total = len(quiz["questions"])
    done = answered + skipped
    parts = [f"You got {right} of {done} right" + (f" ({skipped} skipped)" if skipped else "") + "."]
    if done < total:
        parts.insert(0, f"OK, we've stopped after {done} of {total} questions.")
    if not missed and not skipped:
        parts.append("Well done.")
    reading = reading_for([*quiz["missed"], *quiz["skipped"]])
    if reading:
        parts.append("To read next:\n" + "\n".join(f"- {line}" for line in reading))
    return "\n".join(parts)


class ActionStartQuiz(Action):
    def name(self) -> str:
        return "action_start_quiz"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return [SlotSet("quiz", start(dispatcher, tracker)), SlotSet("quiz_answer", None)]


class ActionAskQuizAnswer(Action):
    """The form's question: the current scenario with its options, in the quiz's order for it; after a
    reply that named no option, the options only."""

    def name(self) -> str:
        return "action_ask_quiz_answer"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        quiz = tracker.get_slot("quiz") or {}
        item = current_question(quiz)
        if item is None:
            dispatcher.utter_message(text="Say \"quiz me\" to start a quiz.")
            return []
        letters = LETTERS[: len(item.options)]
        order = shown_order(quiz, item)
        if quiz.get("brief"):
            text = (f"Which one do you mean? Reply with {', '.join(letters[:-1])} or {letters[-1]}, or say skip, "
                    f"repeat, stop or new quiz.\n{formatting.options(item, order)}")
        else:
            text = formatting.scenario(item, quiz.get("index", 0) + 1, len(quiz["questions"]), order)
        dispatcher.utter_message(
            text=text, buttons=[*({"title": letter, "payload": letter} for letter in letters), *CONTROL_BUTTONS],
        )
        return []


class ValidateQuizForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quiz_form"

    @reads_in_one_session
    def validate_quiz_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[str, Any]:
        if value is None:
            # Not a reply: action_start_quiz cleared the slot, and Rasa's form hands every slot set since
            # the user's message to this validation. The form then asks the first question.
            return {"quiz_answer": None}
        quiz = dict(tracker.get_slot("quiz") or {})
        item = current_question(quiz)
        if item is None:
            return {"quiz_answer": FINISHED}
        index = quiz.get("index", 0)
        text = str(value or "")
        order = shown_order(quiz, item)
        shown = choice.choice(text, [item.options[i] for i in order])
        # An option typed out is an answer ("Stop, Observe, Ask, Respond."); else a command said anywhere:
        # "quiz me on laws again" names no option, since one shared word ("laws") is not enough.
        said = None if shown is not None else choice.quiz_command(text)
        if said in ("new", "topic"):
            if said == "new" or focus(tracker)[0]:  # "new topic: hotlines" names one
                return {"quiz_answer": None, "quiz": start(dispatcher, tracker)}  # the form asks its first question
            return {"quiz_answer": FINISHED, "quiz": {**quiz, "choose_topic": True}}
        if said == "stop":
            return {"quiz_answer": FINISHED, "quiz": quiz}
        if said == "repeat":
            return {"quiz_answer": None, "quiz": {**quiz, "brief": False}}  # the form asks the same question again
        picked = None if shown is None else order[shown]  # the option's index as written in the content
        if said is None and picked is None:
            letter = choice.letter_pointed_at(text)
            if letter and letter not in LETTERS[: len(item.options)]:
                dispatcher.utter_message(text=f"There are only {len(item.options)} options.")
            # the form then asks again, with the options only
            return {"quiz_answer": None, "quiz": {**quiz, "brief": True}}
        dispatcher.utter_message(text=feedback(item, picked, order))
        outcome = "skipped" if picked is None else ("right" if picked == item.answer else "missed")
        quiz[outcome] = [*quiz.get(outcome, []), item.key]
        quiz.update(index=index + 1, brief=False)
        return {"quiz_answer": FINISHED if quiz["index"] >= len(quiz["questions"]) else None, "quiz": quiz}


class ActionFinishQuiz(Action):
    def name(self) -> str:
        return "action_finish_quiz"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        quiz = tracker.get_slot("quiz") or {}
        if quiz.get("choose_topic"):
            dispatcher.utter_message(text=f"{score(quiz)}\nWhich topic would you like a quiz on?",
                                     buttons=topic_buttons())
        elif quiz.get("questions"):
            dispatcher.utter_message(text=score(quiz), buttons=AFTER_BUTTONS)
        else:  # the form ran without a quiz (its start failed, say with the knowledge base down)
            dispatcher.utter_message(response="utter_no_quiz_running")
        return [SlotSet("quiz", None), SlotSet("quiz_answer", None)]
