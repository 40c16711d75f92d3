"""Answer a question from the answer bank: every answer ranked against the question itself.

The classifier's intent only nudges the ranking (knowledge/ranking.py, KnowledgeBase.rank_answers).
When the best answers are too close to tell apart, the person is asked which one they mean, with
the candidates as buttons; a button names its answer, which is then shown as it is.

Intents with a reply of their own (a law's overview, the lines for a situation, a state's line)
give it when the message only names what it asks for ("the hotline number", "PSTSFA"); when it
asks something more that an answer fits closely ("can I text the hotline instead of calling?"),
that answer comes instead (`answer_if_asked`). Messages that were not understood, and crisis
messages after the crisis reply, get an answer the same way, only when one fits closely.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Collection, Dict, List, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import formatting
from actions.more import utter_paged
from actions.repository import Ranked, graceful_when_unreachable, knowledge_base, reads_in_one_session
from actions.slots import latest_entities, latest_entity, latest_intent
from knowledge.language import lemmas_of
from knowledge.ranking import VERY_CLOSE, leads_plainly
from knowledge.schema import Answer

logger = logging.getLogger(__name__)
# intent -> the answer topics it points to (knowledge/CONTENT.md): a nudge in the ranking, not a filter.
INTENT_TOPICS = {
    "ask_signs": ("signs",),
    "ask_risk_factors": ("risk_factors",),
    "ask_prevention": ("prevention", "practice"),
    "ask_definition": ("definitions", "myths"),
    "ask_prevention_month": ("prevention_month",),
    "ask_law": ("laws",),
    "report_abuse": ("what_to_do",),
    "ask_hotline": ("what_to_do",),
    "crisis": ("what_to_do",),  # a question asked with a crisis message is mostly what to do now
}
# How the ranking is read (chosen on the first retrieval set and the crisis sets, docs/EVALUATION.md).
# Thresholds apply to an answer's fit (its similarity to the question, knowledge/ranking.py):
MATCHES = 0.5  # below this the best answer shares too little with the question to be its answer
SURE = 0.8  # an answer that fits closely: for messages the classifier was unsure of, and in place of
# a reply that would only ask back ("which state?", "which law?")
# For intents with a reply of their own (a law's overview, a state's line, the lines for a situation),
# which is what most such messages want: an answer takes its place only when it fits very closely.
OWN_REPLY_SURE = VERY_CLOSE
CLOSE = 0.03  # a runner-up within this much of the best score is as likely to be meant
CHOICES = 3  # at most this many answers offered when asking back
LAST_ANSWER = "last_answer"  # slot: the answer shown last (domain.yml)
CRISIS_SHOWN = "crisis_shown"  # slot: the crisis reply was given in this conversation (domain.yml)
SAFETY_LINES = ("emergency_911", "nhth")  # the next step of every answer after a crisis reply
LINE_ENTITIES = ("situation", "us_state")  # what the lines and a state's line answer; a topic is something more
# Words that only ask for a line, a law or a number: a message with nothing else beyond its entities
# (a state, a law, a situation) gets its intent's own reply.
ASKING_WORDS = {
    "call", "number", "phone", "hotline", "line", "contact", "reach", "text", "report", "reporting", "tell",
    "explain", "law", "act", "federal", "info", "information", "help", "need", "want", "give", "know", "state",
    "abuse", "child", "kid", "trafficking", "say", "mean", "summary", "overview", "please", "pls", "thanks",
    "apply", "relevant", "cover", "list", "main", "important", "require", "requirement", "get", "find", "send",
    "where", "file", "make", "somebody", "someone", "anyone", "talk", "hotlines", "lines", "numbers", "right",
    # who it is about, and how sure the person is: context, not something more to answer
    "think", "suspect", "worried", "worry", "believe", "maybe", "might", "foster", "son", "daughter", "student",
    "friend", "teen", "youth", "girl", "boy", "kids", "children", "parent", "sister", "brother", "niece",
    "nephew", "client", "resident",
}
# Words that only acknowledge ("ok", "yes", "thanks"): a message of nothing else asks for no answer,
# though a phrasing somewhere says "is it okay to..." or "yes".
ACKNOWLEDGING = {"ok", "okay", "yes", "yeah", "yep", "yup", "sure", "thanks", "thank", "nvm", "cool", "alright",
                 "fine", "nope", "kk", "hmm", "idk", "maybe", "right", "got", "it", "see", "oh", "well"}
# "What should I do right now?" has nothing to rank: in a conversation about a child someone suspects
# is harmed (the lines for it, or a state's line, were given) it asks for a helper's first steps; in a
# crisis conversation, or with no such context, it gets no answer (the listening note, or "did you mean").
WHAT_NOW = re.compile(r"\bwhat\b.*\bdo\b", re.IGNORECASE)
WHAT_NOW_WORDS = {"right", "now", "next", "first", "step", "ok", "okay", "so", "then", "help", "please", "asap"}
# Situations where a caller should also know that reports about a child go to CPS or the police.
CHILD_REPORT_SITUATIONS = {"suspected_trafficking", "abuse_support"}
ABOUT_A_CHILD = CHILD_REPORT_SITUATIONS | {"report_child_abuse"}  # situations about a child someone suspects is harmed
HELPER_FIRST_STEPS = "suspect_child_trafficked_first_steps"
# A message asks something when it has a question mark, a question word, a verb before its subject
# ("is that trafficking", "can i text") or opening a sentence ("are trafficked kids chained up",
# "wouldn't a victim just ask for help"), or ends in "right": "he's outside" asks nothing.
_VERB = r"(is|are|does|do|did|can|could|should|would|will|am|was|were|has|have)"
ASKS = re.compile(r"\?|\b(what|how|why|where|who|which|whats|hows)\b|"
                  rf"\b{_VERB}\s+(i|it|that|this|he|she|they|we|you|there)\b|"
                  rf"(^|[.!;]\s+){_VERB}(n'?t)?\b|"
                  r"\bright\W*$", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """What the ranking settles: one answer, or the close candidates to ask about, or neither."""

    answer: Answer | None = None
    choices: Sequence[Answer] = ()
    repeated: bool = False  # the best answer is the one shown last: `choices` are the next best
    # How well the best-ranked answer fits, and how much better `answer` fits than the next best
    # (an answer named or found without ranking: no doubt)
    fit: float = float("inf")
    lead: float = float("inf")

    @property
    def plain(self) -> bool:
        """An answer that stands out from the next best (knowledge/ranking.py)."""
        return self.answer is not None and leads_plainly(self.lead)


def settle(ranked: Sequence[Ranked], floor: float | None = None, shown_last: str | None = None) -> Found:
    if not ranked or ranked[0].fit < (MATCHES if floor is None else floor):
        return Found()
    if ranked[0].answer.key == shown_last:  # never the same block twice: the next best, to choose from
        return Found(choices=[r.answer for r in ranked[1:CHOICES + 1] if r.fit >= MATCHES], repeated=True,
                     fit=ranked[0].fit)
    close = [r.answer for r in ranked[:CHOICES] if ranked[0].score - r.score <= CLOSE]
    if len(close) > 1:
        return Found(choices=close, fit=ranked[0].fit)
    return Found(answer=ranked[0].answer, fit=ranked[0].fit,
                 lead=ranked[0].fit - max((r.fit for r in ranked[1:]), default=0.0))


def named_answer(tracker: Tracker) -> Answer | None:
    """The answer a button names (the `answer` entity of its payload)."""
    return knowledge_base().answer(latest_entity(tracker, "answer") or "")


def find_answer(tracker: Tracker, floor: float | None = None) -> Found:
    """The answer the latest message asks for: the one its button names, else the ranking's."""
    kb = knowledge_base()
    named = named_answer(tracker)
    if named is not None:
        return Found(answer=named)
    question = tracker.latest_message.get("text") or ""
    topics = INTENT_TOPICS.get(latest_intent(tracker) or "", ())
    if question.startswith("/"):  # a button ("Signs of trafficking"): the topic's general answer
        general = next(iter(kb.answers(*topics[:1])), None)
        return Found(answer=general) if general is not None else Found()
    if asks_only_what_now(question):
        return helper_first_steps(tracker)
    if not set(lemmas_of(question)) - lemma_set(ACKNOWLEDGING):
        return Found()
    return settle(kb.rank_answers(question, topics, latest_entities(tracker, "topic")), floor,
                  tracker.get_slot(LAST_ANSWER))


def asks_only_what_now(text: str) -> bool:
    """"What should I do right now?", "ok so what do I do next": nothing more to go on."""
    return WHAT_NOW.search(text) is not None and not set(lemmas_of(text)) - lemma_set(WHAT_NOW_WORDS)


def helper_first_steps(tracker: Tracker) -> Found:
    """For "what should I do right now?": a helper's first steps when the conversation is about a child
    someone suspects is harmed, and never in a crisis conversation (the person may be the child)."""
    helping = tracker.get_slot("situation") in ABOUT_A_CHILD or tracker.get_slot("us_state")
    steps = knowledge_base().answer(HELPER_FIRST_STEPS) if helping and not in_safety_mode(tracker) else None
    return Found(answer=steps) if steps is not None else Found()


def text_beyond_entities(tracker: Tracker, kinds: Collection[str] | None = None) -> str:
    """The latest message without the words its entities (of `kinds`, or any) were found in ("" for a
    button's payload)."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return ""
    spans = sorted((e["start"], e["end"]) for e in tracker.latest_message.get("entities", [])
                   if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                   and (kinds is None or e.get("entity") in kinds))
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text


def message_asks_more(tracker: Tracker, answered: Collection[str] | None = None) -> bool:
    """Does the message ask more than the words for asking for a line or a law, and the entities of
    the kinds its intent's reply answers (`answered`, or any)? ("the hotline number": no; "can i text
    the hotline, he checks my phone": yes; for the lines, "am i a mandated reporter": yes, though
    "mandated reporter" is a topic the entity extractor knows)"""
    named = " ".join(str(e.get("value", "")).replace("_", " ") for e in tracker.latest_message.get("entities", [])
                     if answered is None or e.get("entity") in answered)
    beyond = text_beyond_entities(tracker, answered)
    return bool(set(lemmas_of(beyond)) - lemma_set(ASKING_WORDS) - set(lemmas_of(named)))


def lemma_set(words: set[str]) -> frozenset[str]:
    return frozenset(lemmas_of(" ".join(sorted(words))))


def answer_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker, own_reply_answers: bool = True,
                    own_lines: Sequence[str] = (), answered: Collection[str] | None = None) -> List[EventType] | None:
    """For intents with a reply of their own: the answer a button named, or the answer that fits
    what the message asks beyond its entities (of the kinds in `answered`); None when their own reply
    should come. When that reply would only ask back (which state? which law?), an answer that fits
    is better; when it answers (the lines, a state's line), an answer must fit very closely to take
    its place, unless it is plainly about the message and gives the same lines (`own_lines`) on its
    first screen, so nothing is lost: "is childhelp a reporting line", "where can a trans kid call for
    support". "Who do I call about sextortion" fits the definition and the what-to-do answer alike,
    and gets the lines."""
    asks_more = named_answer(tracker) is not None or message_asks_more(tracker, answered)
    if not (asks_more or own_lines):
        return None
    found = find_answer(tracker, floor=SURE)  # ranked once; the stricter floors are read from its fit
    # an answer plainly about the message that gives the same lines loses nothing: it need only fit
    # closely when the message asks more than the lines, very closely when it names only them
    if (own_lines and found.plain and found.answer is not None and gives_lines(found.answer, own_lines)
            and (asks_more or found.fit >= OWN_REPLY_SURE)):
        return show_answer(dispatcher, tracker, found.answer)
    if not asks_more:
        return None
    floor = OWN_REPLY_SURE if own_reply_answers else SURE
    return reply_with(dispatcher, tracker, found if found.fit >= floor else Found())


def gives_lines(answer: Answer, lines: Sequence[str]) -> bool:
    """Does the answer offer all these lines on its first screen?"""
    return set(lines) <= set(answer.hotlines[:formatting.LINES_SHOWN])


def reply_with(dispatcher: CollectingDispatcher, tracker: Tracker, found: Found) -> List[EventType] | None:
    """Show what the ranking settled: the answer, or the choices to ask about; None for nothing."""
    if found.answer is not None:
        return show_answer(dispatcher, tracker, found.answer)
    if found.choices or found.repeated:
        ask_which(dispatcher, tracker, found)
        return []
    return None


def is_question(text: str) -> bool:
    return ASKS.search(text) is not None


def in_safety_mode(tracker: Tracker) -> bool:
    """Has this conversation had the crisis reply? From then on the numbers stay in every answer, and
    nothing offers reading lists or quizzes (issue 21)."""
    return tracker.get_slot(CRISIS_SHOWN) is True


def show_answer(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer, after_crisis_reply: bool = False
                ) -> List[Dict[str, Any]]:
    """The answer with its next step, its points, related reading and its source (utter_paged keeps
    the source on the first screen). In a crisis conversation it offers nothing to read, and 911 and
    the hotline follow it in a short message of their own, so they are never paged away; right after
    a crisis reply (`after_crisis_reply`), which gave them, they are not repeated."""
    kb = knowledge_base()
    safety = after_crisis_reply or in_safety_mode(tracker)
    lines = kb.hotlines([key for key in answer.hotlines if not (safety and key in SAFETY_LINES)])
    reading = () if safety else kb.publications(answer.publications)
    buttons = [] if safety else [
        {"title": "Publications on this", "payload": "/find_publications"},
        {"title": "Who do I call?", "payload": "/ask_hotline"}]  # this answer's lines (actions/referrals.py)
    events = utter_paged(dispatcher, formatting.answer(answer, lines, reading), buttons)
    if safety and not after_crisis_reply:
        dispatcher.utter_message(text="\n".join(formatting.next_step(h) for h in kb.hotlines(SAFETY_LINES)))
    # Remember what we talk about, for "do you have a publication on that?"
    talked_about = answer.subtopics[0] if answer.subtopics else answer.topic
    return [*events, SlotSet("topic", talked_about), SlotSet(LAST_ANSWER, answer.key)]


def answer_just_shown(tracker: Tracker) -> Answer | None:
    """The answer shown in reply to the message before this one, if any."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > 1:
                return None
        elif event.get("event") == "slot" and event.get("name") == LAST_ANSWER and event.get("value"):
            return knowledge_base().answer(str(event["value"]))
    return None


def ask_which(dispatcher: CollectingDispatcher, tracker: Tracker, found: Found) -> None:
    # A button sends its answer's key with an intent whose action shows a named answer (never
    # "crisis", which would send the crisis reply again).
    intent = latest_intent(tracker) or ""
    intent = intent if intent in INTENT_TOPICS and intent != "crisis" else "ask_definition"
    if found.repeated and not found.choices and in_safety_mode(tracker):
        # in a crisis conversation, listening and the questions people in danger ask, not "ask another way"
        dispatcher.utter_message(text="That is the answer just above.")
        dispatcher.utter_message(response="utter_crisis_listening")
        return
    if found.repeated:
        text = ("That is the answer just above. Is your question one of these instead?" if found.choices else
                "That is the answer just above. Could you ask it another way, or tell me more?")
    else:
        text = "I have more than one answer that could fit. Which is closest to your question?"
    dispatcher.utter_message(
        text=text, buttons=[{"title": a.title, "payload": f'/{intent}{{"answer": "{a.key}"}}'} for a in found.choices])


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        replied = reply_with(dispatcher, tracker, find_answer(tracker))
        if replied is not None:
            return replied
        dispatcher.utter_message(response="utter_no_answer")
        return []


# What a message the engine has no close answer for gets, by intent; Rasa's two-stage fallback ("Did
# you mean ...?", actions/fallback.py) for those not named.
OTHERWISE = {"quiz_answer": "utter_no_quiz_running", "quiz_control": "utter_no_quiz_running",
             "out_of_scope": "utter_out_of_scope"}


def answer_closely_or_listen(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType] | None:
    """The answer that fits the message closely; else, in a crisis conversation, the listening note
    (never "did you mean" or a quiz note); None when neither was said."""
    replied = reply_with(dispatcher, tracker, find_answer(tracker, floor=SURE))
    if replied is not None:
        return replied
    if in_safety_mode(tracker):
        dispatcher.utter_message(response="utter_crisis_listening")
        return []
    return None


class ActionAnswerUnclear(Action):
    """A message the classifier was unsure of, one it thought out of scope ("my bf is 19 im 15 is that
    trafficking"), or a quiz reply with no quiz running: the answer that fits it closely, or else what
    the rules gave before the engine (OTHERWISE)."""

    def name(self) -> str:
        return "action_answer_unclear"

    @graceful_when_unreachable
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        replied = answer_closely_or_listen(dispatcher, tracker)
        if replied is not None:
            return replied
        otherwise = OTHERWISE.get(latest_intent(tracker) or "")
        if otherwise is not None:
            dispatcher.utter_message(response=otherwise)
            return []
        return [FollowupAction("action_two_stage_fallback")]


class ActionAnswerAfterCrisis(Action):
    """After the crisis reply (a domain response, sent first and without this server), the
    conversation stays in safety mode: `crisis_shown` makes later crisis replies a short line with the
    numbers (utter_crisis's variations), unless a new danger is named (a situation entity), and the
    situation is forgotten once answered. This action then answers what the message says:
    - the first time, a question the message also asks when an answer fits it closely and plainly
      ("he reads my texts, how can I reach the hotline?"), else the questions people in danger ask,
      as buttons;
    - later, what the message says, question or not, when an answer fits, else a short note that
      listens.
    Never after the suicide crisis reply (data/rules/safety.yml): nothing should come between that
    person and 988."""

    def name(self) -> str:
        return "action_answer_after_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = [SlotSet("situation", None)]
        follow_up = in_safety_mode(tracker)
        text = tracker.latest_message.get("text") or ""
        found = Found()
        if follow_up or is_question(text):
            try:
                found = reads_in_one_session(find_answer)(tracker, SURE)
            except SQLAlchemyError as error:
                # Said nothing more: the crisis reply already gave the lines the unavailable message has.
                logger.error("%s: knowledge base unreachable (%s)", self.name(), type(error).__name__)
        # beside the first crisis reply, only an answer plainly about what was asked: "I think I'm being
        # trafficked, what do I do" resembles the answer for someone helping a friend, and others too
        if found.answer is not None and (follow_up or found.plain):
            answered = show_answer(dispatcher, tracker, found.answer, after_crisis_reply=True)
            return [*answered, *events, SlotSet(CRISIS_SHOWN, True)]
        if follow_up and found.choices and not found.repeated:  # "he says i owe him": debt bondage, or...?
            ask_which(dispatcher, tracker, found)
            return [*events, SlotSet(CRISIS_SHOWN, True)]
        dispatcher.utter_message(response="utter_crisis_listening" if follow_up else "utter_crisis_questions")
        return [*events, SlotSet(CRISIS_SHOWN, True)]
