"""The staff-training intents have enough varied examples, and a held-out set that shares none."""
from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

INTENTS = ("start_quiz", "start_drill", "quiz_answer", "quiz_control")


def examples(path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if block.get("intent") in INTENTS:
            lines = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
            found.setdefault(block["intent"], []).extend(lines)
    return found


def plain(text: str) -> str:
    """The words of an example: entity markup, punctuation and case dropped."""
    text = re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", text)
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_each_training_intent_has_enough_distinct_examples_and_a_separate_held_out_set():
    training = examples(ROOT / "data" / "nlu" / "training.yml")
    held_out = examples(ROOT / "tests" / "nlu_eval" / "test_nlu.yml")
    trained_on = {plain(e) for intent in INTENTS for e in training[intent]}
    for intent in INTENTS:
        written = [e.lower().strip() for e in training[intent]]  # "b" and "B)" are different ways to answer
        assert len(written) >= 25 and len(set(written)) == len(written), intent
        assert len(held_out[intent]) >= 10, intent
        assert not {plain(e) for e in held_out[intent]} & trained_on, intent
