"""The held-out retrieval questions stay held out: none is an answer's asked_as phrasing or an NLU
training example, so nothing is trained on or indexed from them (make eval measures with them)."""
from __future__ import annotations

import pytest
import yaml

from knowledge.content import Content
from tests.conftest import ROOT
from tests.nlu.test_training_intents import plain

# The first set, and the blind set written later by someone who saw neither the phrasings nor the engine
SETS = {"questions.yml": 300, "blind_questions.yml": 200}  # file -> the least it must hold


def questions(name: str) -> list[dict]:
    return yaml.safe_load((ROOT / "tests" / "retrieval_eval" / name).read_text(encoding="utf-8"))["questions"]


def training_examples() -> set[str]:
    found = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            found |= {plain(line[2:]) for line in block.get("examples", "").splitlines() if line.startswith("- ")}
    return found


@pytest.mark.parametrize("name", SETS)
def test_each_question_names_real_answers_and_the_set_is_big_enough(content: Content, name: str):
    keys = {a.key for a in content.answers}
    written = [plain(q["text"]) for q in questions(name)]
    assert len(written) >= SETS[name] and len(set(written)) == len(written)
    for q in questions(name):
        assert {q["expect"], *q.get("also", [])} <= keys, q["text"]
        assert q["expect"] not in q.get("also", []), q["text"]


@pytest.mark.parametrize("name", SETS)
def test_no_question_is_an_asked_as_phrasing_or_a_training_example(content: Content, name: str):
    asked_as = {plain(p) for a in content.answers for p in a.asked_as}
    trained_on = training_examples()
    assert len(asked_as) > 300 and len(trained_on) > 1000  # both were read
    overlap = [q["text"] for q in questions(name) if plain(q["text"]) in asked_as | trained_on]
    assert not overlap
