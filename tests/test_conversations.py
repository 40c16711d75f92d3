"""Rasa's own checks on the training data, and the test stories against the trained model."""
from __future__ import annotations

import re
import subprocess

from bot.cli import RASA, environment
from tests.conftest import ROOT


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=900)


def test_rasa_data_validate():
    result = rasa("data", "validate")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # Rasa cannot see responses that actions send, nor those its own default actions send
    # (the two-stage and the default fallback, and the restart); every other warning is a real problem.
    unused = set(re.findall(r"The utterance '(\w+)' is not used in any story or rule", output))
    sources = [*(ROOT / "actions").glob("*.py"), ROOT / "knowledge" / "dialogue_names.py"]  # names both send
    actions_code = "".join(p.read_text(encoding="utf-8") for p in sources)
    sent_by_rasa = {"utter_ask_rephrase", "utter_default", "utter_restart"}  # the last by action_restart
    assert {u for u in unused - sent_by_rasa if f'"{u}"' not in actions_code} == set()
    other_warnings = [line for line in output.splitlines()
                      if "UserWarning" in line and "is not used in any" not in line]
    assert other_warnings == []


def test_stories(model, tmp_path):
    result = rasa("test", "--stories", "tests/", "--model", str(model), "--fail-on-prediction-errors",
                  "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, details


def test_every_intent_is_answered_by_a_rule_anywhere(model):
    """The dialogue is rules only (config.yml has no TEDPolicy): each intent, at the start of a
    conversation and when it interrupts a quiz or a drill, gets its rule's action, never the fallback
    that RulePolicy predicts where no rule applies."""
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(str(model))
    start = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]

    def in_form(intent: str, form: str, slot: str) -> list:
        return [*start, UserUttered("/" + intent, {"name": intent}), ActionExecuted(f"action_{intent}"),
                ActionExecuted(form), ActiveLoop(form), SlotSet("requested_slot", slot),
                ActionExecuted("action_listen")]

    contexts = {"start": start, "quiz": in_form("start_quiz", "quiz_form", "quiz_answer"),
                "drill": in_form("start_drill", "drill_form", "drill_answer")}
    predicted = {}
    for context, events in contexts.items():
        for intent in [*agent.domain.intents, "nlu_fallback"]:
            if intent in ("quiz_answer", "quiz_control") and context != "start":
                continue  # the form takes these (tests/test_stories_quiz.yml)
            turn = [UserUttered("x", {"name": intent})]
            if context != "start":  # the form found nothing to fill: the rules decide
                turn.append(ActionExecutionRejected(f"{context}_form"))
            tracker = DialogueStateTracker.from_events("s", [*events, *turn], agent.domain.slots)
            action, prediction = agent.processor.predict_next_with_tracker_if_should(tracker)
            predicted[context, intent] = (action.name(), prediction.policy_name)
    assert {key: value for key, value in predicted.items()
            if value[1] != "RulePolicy" or value[0] == "action_default_fallback"} == {}
    assert predicted["start", "crisis"][0] == "utter_crisis"
    assert predicted["quiz", "crisis"][0] == predicted["drill", "suicidal"][0] == "action_deactivate_loop"
    assert predicted["quiz", "ask_signs"][0] == "action_answer_question"
    # not understood: an answer that fits closely, else "did you mean" (actions/answers.py)
    assert predicted["start", "nlu_fallback"][0] == predicted["quiz", "nlu_fallback"][0] == "action_answer_unclear"
