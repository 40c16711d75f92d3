"""Rasa NLU component: a rule-based safety net that never lets a crisis message pass as anything else.

It runs last in the NLU pipeline, after the intent classifier and the fallback classifier. When a
message contains a danger or suicide phrase (crisis_phrases.yml), the intent becomes `crisis` or
`suicidal` with confidence 1.0 whatever the classifier said, and the parse result says which
phrase fired (`safety_net`). The classifier's own crisis predictions stand; the net only adds.

Matching uses spaCy on the text in Unicode NFKC form ("ｄａｎｇｅｒ" is "danger"), case-folded: tokens
are normalized (NORM: "can't", "cant" and "cannot" are all "can not") and lemmatized ("forces",
"forced", "forcing" are all "force") before a PhraseMatcher compares them with the phrases,
normalized the same way.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from bot.components.intents import overrule
from knowledge.language import english, without_surrogates

PHRASES = Path(__file__).with_name("crisis_phrases.yml")
# NORM leaves a few informal forms; map them to the form the phrases use.
NORM_FIXES = {"m": "am", "'s": "is", "s": "is", "wanna": "want to", "gonna": "going to", "u": "you",
              "ur": "your", "pls": "please", "plz": "please", "'re": "are", "re": "are", "ll": "will"}
# Which intent a category of phrases means, and the order in which categories win.
CATEGORY_INTENTS = {"suicidal": "suicidal", "danger": "crisis"}
ALONE = "_alone"


@lru_cache(maxsize=1)
def _inflections() -> Any:
    """The lookup lemmatizer's table of inflected forms ("making", "watching")."""
    return english().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


def _norm(word: str) -> str:
    word = NORM_FIXES.get(word, word)
    # dropped g ("makin", "watchin"), when the -ing form is a word the lemmatizer knows
    if word.endswith(("in", "in'")) and word.rstrip("'") + "g" in _inflections():
        return word.rstrip("'") + "g"
    return word


def normalized(text: str) -> Doc:
    """NFKC, case folding, NORM, then lemmatize: the form both messages and phrases are matched in."""
    text = unicodedata.normalize("NFKC", without_surrogates(text)).casefold()
    words = english().make_doc(text.replace("’", "'"))
    return english()(" ".join(_norm(token.norm_) for token in words))


def _lemmas(doc: Doc) -> str:
    return " ".join(token.lemma_ for token in doc if not token.is_punct)


class SafetyMatcher:
    """Phrases of a category match anywhere in a message; those of "<category>_alone" only as the
    whole message ("im scared" is a cry for help, "I'm scared of saying the wrong thing" is not)."""

    def __init__(self, phrases: Dict[str, List[str]]):
        self._matcher = PhraseMatcher(english().vocab, attr="LEMMA")
        self._alone: Dict[str, str] = {}
        for category, items in phrases.items():
            if category.endswith(ALONE):
                self._alone.update({_lemmas(normalized(p)): category.removesuffix(ALONE) for p in items})
            else:
                self._matcher.add(category, [normalized(p) for p in items])

    def find(self, text: str) -> tuple[str, str] | None:
        """(category, matched words) of the most serious match, or None."""
        doc = normalized(text)
        found = {english().vocab.strings[i]: doc[s:e].text for i, s, e in self._matcher(doc)}
        alone = self._alone.get(_lemmas(doc))
        if alone:
            found.setdefault(alone, doc.text)
        for category in CATEGORY_INTENTS:
            if category in found:
                return category, found[category]
        return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisSafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self) -> None:
        self._matcher = SafetyMatcher(yaml.safe_load(PHRASES.read_text(encoding="utf-8")))

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CrisisSafetyNet:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self._matcher.find(message.get(TEXT) or "")
            if not found:
                continue
            category, words = found
            intent = CATEGORY_INTENTS[category]
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in CATEGORY_INTENTS.values() and intent == "crisis":
                continue  # the classifier already chose a crisis answer (suicidal stays suicidal)
            overrule(message, intent)
            message.set("safety_net", {"category": category, "matched": words}, add_to_output=True)
        return messages
