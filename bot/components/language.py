"""Rasa NLU component: which language a message is in, and Spanish messages the bot cannot answer yet.

Answers are in English for now. A Spanish message still needs the crisis answer in Spanish, and
anything else a short Spanish note (911, the hotline answers in Spanish, 988 has Spanish). So:

- a Spanish message gets a `language` entity "es", which sets the `language` slot (domain.yml; it
  starts as "en"): the crisis responses have Spanish variations on it. The slot then stays "es" for
  the conversation, so an English crisis message after a Spanish one is answered in Spanish, with
  the same numbers. (Marking English messages too would set an entity on every message, which each
  test story would then have to annotate.)
- a Spanish message becomes the intent `spanish` (the note), unless the classifier saw a crisis (the
  crisis safety net, after this, catches Spanish danger and suicide phrases whatever the intent).

It runs before the crisis safety net, which still has the last word.

Telling the two apart by counting words only one of them uses is enough here: the question is only
English or Spanish, and a mixed message ("my boss no me deja salir") goes to whichever has more.
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

from bot.components.crisis_safety_net import folded
from bot.components.intents import overrule
from knowledge.dialogue_names import CRISIS_INTENTS

LANGUAGE = "language"
SPANISH_INTENT = "spanish"
# Common words of one language that are not words of the other (accents dropped).
SPANISH = set("""
    que q de del la las el los y es por para con una unos unas mi mis tu tus su le les lo se
    estoy esta estan estas estamos tengo tiene tienen tienes quiero quiere puedo puede pueden hay
    ayuda ayudame ayudeme necesito donde como cuando cual cuales quien porque pero muy ya nada nadie
    dice dijo hace hacen miedo casa trabajo jefe patron dinero papeles hola gracias buenos buenas dias
    senor senora usted ustedes ella ellos nosotros nos mas sobre entre hasta desde eso esa ese esto
    este soy eres fue ser estar tener hacer si tambien aqui ahora ahorita hoy noche favor porfa
    vivir morir deja dejan salir hablar hablas habla espanol ninos nino nina hijo hija linea numero
    senales trata leyes ley saber explotacion personas persona
""".split())
ENGLISH = set("""
    the i im i'm is are you your my what how to of and in it do does can not he she they them this
    that with for help am was were be have has who where when why want need please hi hello thanks
    thank about on at an if or will would there here get go know dont cant wont its we us our his
    her their him which signs law laws report call
""".split())
SPANISH_MARKS = re.compile(r"[¿¡ñáéíóú]")
WORD = re.compile(r"[\w']+")


def language_of(text: str) -> str | None:
    """"es", "en", or None when the text shows neither ("ok", "b", "sos")."""
    words = WORD.findall(folded(text))
    spanish = sum(w in SPANISH for w in words) + 2 * bool(SPANISH_MARKS.search(text.casefold()))
    english = sum(w in ENGLISH for w in words)
    if spanish > english:
        return "es"
    return "en" if english > spanish else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDetector:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if language_of(text) != "es":
                continue
            entity = {"entity": LANGUAGE, "value": "es", "start": 0, "end": len(text),
                      "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) not in CRISIS_INTENTS:
                overrule(message, SPANISH_INTENT)
        return messages
