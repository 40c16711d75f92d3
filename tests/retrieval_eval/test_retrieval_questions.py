"""The held-out retrieval questions stay held out: none is an answer's asked_as phrasing or an NLU
training example, so nothing is trained on or indexed from them (make eval measures with them)."""
from __future__ import annotations

import yaml

from knowledge.content import Content
from tests.conftest import ROOT
from tests.nlu.test_training_intents import plain

QUESTIONS = ROOT / "tests" / "retrieval_eval" / "questions.yml"


def questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def training_examples() -> set[str]:
    found = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            found |= {plain(line[2:]) for line in block.get("examples", "").splitlines() if line.startswith("- ")}
    return found


def test_each_question_names_real_answers_and_the_set_is_big_enough(content: Content):
    keys = {a.key for a in content.answers}
    written = [plain(q["text"]) for q in questions()]
    assert len(written) >= 300 and len(set(written)) == len(written)
    for q in questions():
        assert {q["expect"], *q.get("also", [])} <= keys, q["text"]
        assert q["expect"] not in q.get("also", []), q["text"]


def test_no_question_is_an_asked_as_phrasing_or_a_training_example(content: Content):
    asked_as = {plain(p) for a in content.answers for p in a.asked_as}
    trained_on = training_examples()
    assert len(asked_as) > 300 and len(trained_on) > 1000  # both were read
    overlap = [q["text"] for q in questions() if plain(q["text"]) in asked_as | trained_on]
    assert not overlap
