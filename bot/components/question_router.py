"""Rasa NLU component: a question the classifier gave to a dialogue intent goes to the answer bank
when it is plainly about one answer.

The classifier decides whether a message is a question about the subject at all, and it sends some
elsewhere: "what is branding" read as asking what the assistant can do, "tips for talking with teens
about exploitation without judging them" as a publication search, "why do we need a multidisciplinary
team" as starting a quiz. When the classifier gave a message one of the intents in ROUTED, without
being sure of it, and the message does not speak to the assistant ("quiz me", "can you"), and one
answer fits it very closely and clearly better than any other (knowledge/ranking.py, `plainly_about`), the
intent becomes `ask_definition` with that answer named, as the answer's own button sends it, and
action_answer_question shows it.

Intents whose reply must not be missed are never rerouted: crisis and suicide, "are you a bot?", asking
for a person, quiz and drill replies, and the dialogue's commands. It runs before the crisis safety
net, which keeps the last word. The answers are read from knowledge/content when the model loads,
as the quiz option matcher reads the scenarios.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.intents import overrule
from knowledge.content import GENERAL_ANSWERS, read_content
from knowledge.ranking import AnswerIndex

# Intents a question about the subject is most often mistaken for. Not "inform" (a state or an
# audience said in reply to a question: "District of Columbia" must stay that), nor small talk.
ROUTED = {"ask_capabilities", "find_publications", "start_quiz", "start_drill"}
UNSURE = 0.8  # only when the classifier's confidence is under this
# A message that speaks to the assistant ("what can you help me with", "quiz me on risk", "any guides
# you'd suggest?") is asking for what those intents do, whatever answer it resembles.
TO_THE_ASSISTANT = re.compile(r"\b(you|your|youre|u|ur|yall|me|bot|assistant|chatbot)\b", re.IGNORECASE)
ANSWERING_INTENT = "ask_definition"  # its rule runs action_answer_question, which shows a named answer
ANSWER_ENTITY = "answer"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionRouter(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self, index: AnswerIndex) -> None:
        self._index = index

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuestionRouter:
        return cls(AnswerIndex(read_content().answers, GENERAL_ANSWERS))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            if (intent.get(INTENT_NAME_KEY) not in ROUTED or intent.get("confidence", 1.0) >= UNSURE
                    or TO_THE_ASSISTANT.search(text)):
                continue
            answer = self._index.plainly_about(text)
            if answer is None:
                continue
            overrule(message, ANSWERING_INTENT)
            named = {"entity": ANSWER_ENTITY, "value": answer.key, "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), named], add_to_output=True)
        return messages
