"""The redaction rules on the labelled messages, and what they must never touch."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import bot.privacy
from bot.privacy import ASSISTANT_TEXT_SLOTS, evaluate, find_names, redact, redact_event, vetted_numbers
from tests.conftest import ROOT

HERE = Path(__file__).parent


def test_development_set_figures_hold():
    """docs/PRIVACY.md reports these figures; a change of the rules that lowers them fails here."""
    counts = evaluate(HERE / "redaction_cases.yml")
    for kind in ("email", "phone", "address"):
        assert counts[kind][1:] == (0, 0), kind
    tp, fp, fn = counts["name"]
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.95


def test_held_out_set_figures_hold():
    counts = evaluate(HERE / "redaction_heldout.yml")
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    assert tp / (tp + fp) >= 0.8 and tp / (tp + fn) >= 0.8


@pytest.mark.parametrize("case", yaml.safe_load((HERE / "redaction_cases.yml").read_text())["cases"],
                         ids=lambda c: c["text"][:40])
def test_no_phone_email_or_address_is_left(case):
    redacted = redact(case["text"])
    for kind in ("phone", "email", "address"):
        for span in case.get(kind, []):
            assert span not in redacted


def test_vetted_numbers_are_never_redacted():
    assert {"8883737888", "8004224453"} <= vetted_numbers()
    text = "Call 1-888-373-7888, text 233733, or call 1-800-422-4453; in danger call 911; 988 for a crisis."
    assert redact(text) == text


def test_bot_messages_are_stored_as_sent():
    event = {"event": "bot", "text": "I'm a bot. Call Maria at 555-201-3344", "data": {}}
    assert redact_event(event) == event


def test_slot_values_of_any_shape_are_redacted():
    event = {"event": "slot", "name": "notes", "value": ["my name is Ana", {"email": "ana@example.org"}, 3]}
    assert redact_event(event)["value"] == ["my name is [NAME]", {"email": "[EMAIL]"}, 3]


def test_the_rest_of_a_long_answer_is_stored_as_sent_and_only_actions_can_set_it():
    """The `more_text` slot holds the assistant's own vetted text. Were any slot mapping to fill it
    from a message, user text would be stored unredacted: the domain must keep it action-only."""
    answer = "Polaris reports that Maria's trafficker... Call 1-888-373-7888 or 555-201-3344."
    for name in ASSISTANT_TEXT_SLOTS:
        event = {"event": "slot", "name": name, "value": answer}
        assert redact_event(event) == event
    slots = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    assert slots.keys() >= ASSISTANT_TEXT_SLOTS
    assert all(m["type"] == "custom" for name in ASSISTANT_TEXT_SLOTS for m in slots[name]["mappings"])


def test_long_and_odd_text_is_handled():
    text = ("help " * 2000) + "\udcff" + "é" * 10
    assert redact(text) == text


def test_skipping_texts_with_no_capital_and_no_cue_finds_the_same_names(monkeypatch):
    """Every training message and labelled case, as typed and in lower case: the shortcut that skips
    tokenising changes no result."""
    texts = [case["text"] for name in ("redaction_cases.yml", "redaction_heldout.yml")
             for case in yaml.safe_load((HERE / name).read_text())["cases"]]
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            texts += [line[2:] for line in str(block.get("examples", "")).splitlines() if line.startswith("- ")]
    texts += [text.lower() for text in texts]
    with_shortcut = [find_names(text) for text in texts]
    monkeypatch.setattr(bot.privacy, "_may_hold_a_name", lambda text: True)
    assert with_shortcut == [find_names(text) for text in texts]
    assert sum(map(bool, with_shortcut)) > 20  # names are found in these texts
