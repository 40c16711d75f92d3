"""Rasa NLU component: a rule-based safety net that never lets a crisis message pass as anything else.

It runs last in the NLU pipeline, after the intent classifier and the fallback classifier. When a
message contains a danger or suicide phrase (crisis_phrases.yml), the intent becomes `crisis` or
`suicidal` with confidence 1.0 whatever the classifier said, and the parse result says which
phrase fired (`safety_net`). The classifier's own crisis predictions stand; the net only adds.

Every message is matched against both the English and the Spanish phrases, whatever its language
(people mix them: "my boss no me deja salir"). In English, matching uses spaCy on the text in
Unicode NFKC form ("ｄａｎｇｅｒ" is "danger"), case-folded: tokens are normalized (NORM: "can't",
"cant" and "cannot" are all "can not") and lemmatized ("forces", "forced", "forcing" are all
"force") before a PhraseMatcher compares them with the phrases, normalized the same way. Spanish
(crisis_phrases_es.yml) is matched word for word without accents, after texting forms are expanded
("q" is "que"), and not lemmatized: a verb's person tells "tengo miedo" from "¿tienen miedo?".
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

from bot.components.intents import overrule
from knowledge.language import english, without_surrogates

PHRASES = Path(__file__).with_name("crisis_phrases.yml")
SPANISH_PHRASES = Path(__file__).with_name("crisis_phrases_es.yml")
# NORM leaves a few informal forms; map them to the form the phrases use.
NORM_FIXES = {"m": "am", "'s": "is", "s": "is", "wanna": "want to", "gonna": "going to", "u": "you",
              "ur": "your", "pls": "please", "plz": "please", "'re": "are", "re": "are", "ll": "will"}
# Which intent a category of phrases means, and the order in which categories win.
CATEGORY_INTENTS = {"suicidal": "suicidal", "danger": "crisis"}
ALONE = "_alone"
# Spanish texting forms, as the phrases write them.
SPANISH_FIXES = {"q": "que", "k": "que", "xq": "porque", "pq": "porque", "porq": "porque",
                 "xk": "porque", "porfa": "por favor", "porfavor": "por favor", "plis": "por favor",
                 "toy": "estoy", "tamos": "estamos", "d": "de", "x": "por", "aki": "aqui", "aca": "aqui",
                 "nadien": "nadie", "nomas": "no mas"}
REPEATED = re.compile(r"(\w)\1{2,}")  # "ayudaaaa" -> "ayuda"
K_FOR_QU = re.compile(r"k(?=[ei])")  # "kiero", "kitaron", "ke"
ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


@lru_cache(maxsize=1)
def _inflections() -> Any:
    """The lookup lemmatizer's table of inflected forms ("making", "watching")."""
    lemmatizer = english().get_pipe("lemmatizer")
    assert isinstance(lemmatizer, Lemmatizer)  # the lookup lemmatizer knowledge/language.py adds
    return lemmatizer.lookups.get_table("lemma_lookup")


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


def folded(text: str) -> str:
    """NFKC, case folding, and no accents: "Ayúdame" is "ayudame", "año" is "ano"."""
    text = unicodedata.normalize("NFKD", without_surrogates(text).casefold())
    return unicodedata.normalize("NFKC", "".join(c for c in text if not unicodedata.combining(c)))


def spanish_normalized(text: str) -> Doc:
    """The words of a text without accents or repeated letters, texting forms expanded."""
    text = K_FOR_QU.sub("qu", REPEATED.sub(r"\1", folded(text)))
    words = " ".join(SPANISH_FIXES.get(w, w) for w in re.findall(r"\w+", text)).split()
    return Doc(english().vocab, words=words, lemmas=words)  # each word is its own lemma


def expanded(phrase: str) -> List[str]:
    """Each phrase that "{a|b} c" stands for: "a c", "b c"."""
    parts = ALTERNATIVES.split(phrase)  # text, alternatives, text, ...
    choices = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    return [" ".join("".join(c).split()) for c in itertools.product(*choices)]


def _lemmas(doc: Doc) -> str:
    return " ".join(token.lemma_ for token in doc if not token.is_punct)


class SafetyMatcher:
    """Phrases of a category match anywhere in a message; those of "<category>_alone" only as the
    whole message ("im scared" is a cry for help, "I'm scared of saying the wrong thing" is not)."""

    def __init__(self, phrases: Dict[str, List[str]], normalize: Callable[[str], Doc] = normalized):
        self._normalize = normalize
        self._matcher = PhraseMatcher(english().vocab, attr="LEMMA")
        self._alone: Dict[str, str] = {}
        for category, items in phrases.items():
            docs = [normalize(p) for item in items for p in expanded(item)]
            if category.endswith(ALONE):
                self._alone.update({_lemmas(doc): category.removesuffix(ALONE) for doc in docs})
            else:
                self._matcher.add(category, docs)

    def find(self, text: str) -> tuple[str, str] | None:
        """(category, matched words) of the most serious match, or None."""
        doc = self._normalize(text)
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
        self._matchers = [SafetyMatcher(yaml.safe_load(PHRASES.read_text(encoding="utf-8"))),
                          SafetyMatcher(yaml.safe_load(SPANISH_PHRASES.read_text(encoding="utf-8")),
                                        spanish_normalized)]

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CrisisSafetyNet:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [f for matcher in self._matchers if (f := matcher.find(message.get(TEXT) or ""))]
            if not found:
                continue
            category, words = min(found, key=lambda f: list(CATEGORY_INTENTS).index(f[0]))  # the most serious
            intent = CATEGORY_INTENTS[category]
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in CATEGORY_INTENTS.values() and intent == "crisis":
                continue  # the classifier already chose a crisis answer (suicidal stays suicidal)
            overrule(message, intent)
            message.set("safety_net", {"category": category, "matched": words}, add_to_output=True)
        return messages
