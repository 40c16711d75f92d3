"""The spaCy entity component recognises what the knowledge base names, as knowledge-base keys."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.knowledge_entities import KnowledgeEntityExtractor


def trained(tmp_path: Path, content_dir: Path | None = None) -> KnowledgeEntityExtractor:
    """Train the component, then load it back from model storage as a served model would."""
    (tmp_path / "storage").mkdir(parents=True)
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("knowledge_entities")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**KnowledgeEntityExtractor.get_default_config(), "content_dir": str(content_dir) if content_dir else None}
    KnowledgeEntityExtractor.create(config, storage, resource, context).train(TrainingData())
    return KnowledgeEntityExtractor.load(config, storage, resource, context)


@pytest.fixture(scope="module")
def extractor(tmp_path_factory) -> KnowledgeEntityExtractor:
    return trained(tmp_path_factory.mktemp("entities"))


def entities(extractor: KnowledgeEntityExtractor, text: str) -> set[tuple[str, str]]:
    [message] = extractor.process([Message(data={"text": text})])
    return {(e["entity"], e["value"]) for e in message.get("entities", [])}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what does PSTSFA require?", {("law", "pstsfa")}),
        ("explain P.L. 113-183", {("law", "pstsfa")}),
        ("the strengthening families act and the 24 hour rule", {("law", "pstsfa")}),
        ("is CAPTA relevant", {("law", "capta")}),
        ("how do I report abuse in Ohio", {("us_state", "OH")}),
        ("report neglect in NY", {("us_state", "NY")}),
        ("what about washington dc", {("us_state", "DC")}),
        ("CPS number for new mexico?", {("us_state", "NM"), ("situation", "report_child_abuse")}),
        ("TX", {("us_state", "TX")}),
        ("guides for caseworkers on CSEC", {("audience", "caseworkers"), ("topic", "sex_trafficking"),
                                           ("publication_type", "guide")}),
        ("tip sheets for foster parents", {("publication_type", "tip_sheet"), ("audience", "parents_caregivers")}),
        ("kids in group homes", {("topic", "foster_care")}),
        ("who do I call about sextortion", {("situation", "online_exploitation")}),
    ],
)
def test_recognises_knowledge_base_names(extractor, text, expected):
    assert expected <= entities(extractor, text)


@pytest.mark.parametrize("text", ["OK thanks", "help me please", "he took my ID", "hi", "or maybe not", "ME"])
def test_two_letter_words_are_not_mistaken_for_states(extractor, text):
    assert not {e for e in entities(extractor, text) if e[0] == "us_state"}


@pytest.mark.parametrize("text", ["can I talk 2 a person", "who can I call at 2am", "is it ok 2 ask"])
def test_a_bare_digit_is_not_a_vocabulary_code(extractor, text):
    # "2S" (two-spirit) is in the vocabulary; its "singular" must not be the digit 2
    assert entities(extractor, text) == set()


def test_broken_characters_do_not_fail_the_message(extractor):
    assert ("us_state", "OH") in entities(extractor, "report abuse in Ohio \udcff")


def test_one_entity_per_phrase(extractor):
    [message] = extractor.process([Message(data={"text": "a youth went AWOL from a group home"})])
    spans = [(e["start"], e["end"]) for e in message.get("entities")]
    assert len(spans) == len(set(spans)) == 2


def test_entity_offsets_point_at_the_words(extractor):
    [message] = extractor.process([Message(data={"text": "Report abuse in North Carolina please"})])
    [state] = [e for e in message.get("entities") if e["entity"] == "us_state"]
    assert message.get("text")[state["start"]:state["end"]] == "North Carolina"
    assert state["value"] == "NC" and state["extractor"] == "KnowledgeEntityExtractor"


NEW_LAW = """
  - key: example_act
    kind: statute
    name: Example Youth Safety Act
    short_name: EYSA
    citation: P.L. 999-1
    summary: A law that exists only in this test.
    requirements: [Nothing; it exists only in this test.]
    topics: [laws]
    summary_url: https://example.org/eysa
    source_url: https://example.org/eysa
    last_verified: 2026-01-01
"""


def test_a_law_added_to_the_knowledge_base_is_recognised_after_training(tmp_path, content_dir):
    laws = content_dir / "laws.yml"
    laws.write_text(laws.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_LAW, encoding="utf-8")

    assert ("law", "example_act") not in entities(trained(tmp_path / "before"), "what does EYSA require")
    taught = trained(tmp_path / "after", content_dir)
    assert ("law", "example_act") in entities(taught, "what does EYSA require")
    assert ("law", "example_act") in entities(taught, "tell me about the example youth safety act")
    assert ("law", "example_act") in entities(taught, "P.L. 999-1")


def test_training_and_held_out_annotations_are_what_the_extractor_finds(extractor):
    """Entity labels in the NLU data are the extractor's own: a hand-made label that the
    component would never produce (or a missed one) teaches the model noise."""
    from rasa.shared.nlu.training_data.loading import load_data

    root = Path(__file__).resolve().parents[2]
    differences = []
    for path in sorted((root / "data" / "nlu").glob("*.yml")) + [root / "tests" / "nlu_eval" / "test_nlu.yml"]:
        for example in load_data(str(path)).intent_examples:
            text = example.get("text")
            labelled = {(text[e["start"]:e["end"]], e["entity"], e["value"]) for e in example.get("entities", [])}
            found = {(text[e["start"]:e["end"]], e["entity"], e["value"]) for e in extractor.extract(text)}
            if labelled != found:
                differences.append(f"{path.name}: {text!r} labelled {labelled - found}, extractor {found - labelled}")
    assert not differences, "\n".join(differences)
