"""Rasa NLU component: a quiz's own answer options are quiz answers, never crisis messages.

A trainee may answer by typing an option instead of its letter. A few options describe signs of
trafficking or wrong ways to respond ("Unexplained money, prepaid cards or hotel keys.", "Only as
an immigration case."), and the classifier can take them for a crisis message; the quiz would then
stop and the trainee get the crisis answer. A message that is word for word one of the options in
knowledge/content/scenarios.yml (case and punctuation aside) is a quiz answer instead.

And a message that does not look like words is no quiz answer: emoji only, an empty message (a NUL
is dropped before the model, bot/message_input.py), "{{7*7}}". The classifier, with next to nothing
to go on, took such messages for the shortest answers it was trained on ("b", "2"), and with no quiz
running they got "you're answering a practice question". They are not understood (nlu_fallback, with
no intent to guess from): the person is asked to say it another way, with 911.

It runs before the crisis safety net, so a danger or suicide phrase still makes any message a crisis.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.intents import overrule
from knowledge.content import read_content
from knowledge.dialogue_names import CRISIS_INTENTS
from knowledge.language import words

QUIZ_ANSWER = "quiz_answer"
QUIZ_INTENTS = {QUIZ_ANSWER, "quiz_control"}
NOT_UNDERSTOOD = "nlu_fallback"
# Letters, digits, spaces and the punctuation of a typed answer ("b)", "(c)", "answer: a", "¿la b?")
LOOKS_LIKE_WORDS = re.compile(r"[\w\s.,;:!?¡¿'’\"“”«»()\-]*")


def _words(text: str) -> str:
    return " ".join(words(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuizOptionMatcher(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self, options: Iterable[str]) -> None:
        self._options = {_words(option) for option in options}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuizOptionMatcher:
        return cls(str(option) for scenario in read_content().scenarios for option in scenario.options)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            said = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            text = message.get(TEXT) or ""
            if said in CRISIS_INTENTS and _words(text) in self._options:
                overrule(message, QUIZ_ANSWER)
            elif said in QUIZ_INTENTS and not (words(text) and LOOKS_LIKE_WORDS.fullmatch(text)):
                overrule(message, NOT_UNDERSTOOD, keep_ranking=False)
        return messages
