"""Rasa NLU component: recognises knowledge-base entities with spaCy rule-based matching.

At training time it reads the validated knowledge content and stores every phrase people use for
a law, a US state or territory, a topic, an audience, a publication type or a situation, each
mapped to its knowledge-base key (the entity value the actions look up). At run time a spaCy
PhraseMatcher over lemmas finds them, so "PSTSFA", "P.L. 113-183" and "Strengthening Families Act"
all give law=pstsfa, and "group homes" matches the synonym "group home".

Two-letter state codes are ambiguous ("OK", "ME", "IN"), so they count only in upper case and only
after "in", "for", "from", "of" or "about", or as the whole message ("TX").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.matcher import Matcher

from knowledge.content import CONTENT_DIR, read_content
from knowledge.entities import entity_terms, state_codes
from knowledge.language import Term, VocabularyMatcher, analyse, english, without_surrogates

PREPOSITIONS = ["in", "for", "from", "of", "about"]
# A phrase can name terms of several kinds ("sextortion" is a topic and a situation; "training" a
# topic and a publication type). One entity per phrase, the first kind here, keeps the NLU output
# unambiguous; search still uses every kind.
PRIORITY = ["law", "us_state", "situation", "topic", "audience", "publication_type"]
# Codes that are everyday words when a message is nothing else ("ok", "hi", "me").
AMBIGUOUS_ALONE = {"OK", "HI", "ME", "OR", "IN", "DE", "PA", "MA", "LA", "AL"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    FILE_NAME = "knowledge_entities.json"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # content_dir: where to read the knowledge content (default: the project's knowledge/content)
        return {"content_dir": None}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 terms: List[Term] | None = None, codes: List[str] | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._terms = terms or []
        self._codes = codes or []
        self._phrases = VocabularyMatcher(self._terms)
        self._code_matcher = Matcher(english().vocab)
        self._code_matcher.add("us_state", [[{"LOWER": {"IN": PREPOSITIONS}}, {"ORTH": {"IN": self._codes}}]])

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KnowledgeEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        content = read_content(Path(self._config["content_dir"] or CONTENT_DIR))
        trained = type(self)(self._config, self._model_storage, self._resource,
                             entity_terms(content), state_codes(content))
        trained.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as path:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                path / self.FILE_NAME,
                {"terms": [[t.facet, t.key, list(t.phrases)] for t in self._terms], "codes": self._codes},
            )

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KnowledgeEntityExtractor:
        with model_storage.read_from(resource) as path:
            stored = rasa.shared.utils.io.read_json_file(path / cls.FILE_NAME)
        terms = [Term(entity, key, tuple(phrases)) for entity, key, phrases in stored["terms"]]
        return cls(config, model_storage, resource, terms, stored["codes"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = self.add_extractor_name(self.extract(message.get(TEXT) or ""))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities in `text` as Rasa entity dicts, ordered by position."""
        text = without_surrogates(text)
        best: Dict[tuple, Any] = {}
        for m in self._phrases.find(analyse(text)):
            span = (m.start, m.end)
            if span not in best or PRIORITY.index(m.facet) < PRIORITY.index(best[span].facet):
                best[span] = m
        entities = [
            {"entity": m.facet, "value": m.key, "start": m.start, "end": m.end, "confidence_entity": 1.0}
            for m in best.values()
        ]
        original = english().make_doc(text)  # codes are matched case-sensitively on the original text
        for _, _, end in self._code_matcher(original):
            code = original[end - 1]
            entities.append(self._state(code.text, code.idx))
        alone = text.strip().rstrip("?.!")
        if len(alone) == 2 and alone.upper() in self._codes and alone.upper() not in AMBIGUOUS_ALONE:
            entities.append(self._state(alone.upper(), text.index(alone[0])))
        return sorted(entities, key=lambda e: (e["start"], e["entity"]))

    @staticmethod
    def _state(code: str, start: int) -> Dict[str, Any]:
        return {"entity": "us_state", "value": code, "start": start, "end": start + len(code), "confidence_entity": 1.0}
