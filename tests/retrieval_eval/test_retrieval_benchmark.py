"""The retrieval benchmark (scripts/evaluate.py) reads replies as a user would: it knows the answer a
reply shows and the ones it offers, and runs the custom action the rules give an intent."""
from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from actions import formatting
from actions.repository import knowledge_base
from knowledge.content import Content
from scripts.evaluate import answers_in, first_actions, reply_to
from tests.conftest import ROOT


def test_the_answer_shown_and_the_answers_offered_are_recognised(content: Content):
    shown, offered, other = content.answers[20], content.answers[40], content.answers[60]
    reply = [{"text": formatting.answer(shown), "buttons": [
        {"title": offered.title, "payload": "/ask"},
        {"title": "Something else", "payload": f'/ask{{"answer": "{other.key}"}}'},
        {"title": "Publications on this", "payload": "/find_publications"}]}]
    assert answers_in(reply, content.answers) == ([shown.key], [offered.key, other.key])
    asked_back = [{"text": "Which one?", "buttons": [{"title": "TVPA", "payload": '/ask_law{"law": "tvpa"}'}]}]
    assert answers_in(asked_back, content.answers) == ([], [])


def test_each_intent_runs_its_rule_s_action_and_the_reply_is_read(sqlite_engine, monkeypatch, content: Content):
    actions = first_actions()
    assert actions["ask_definition"] == "action_answer_question" and actions["ask_law"] == "action_explain_law"
    assert actions["nlu_fallback"] == "action_answer_unclear" and actions["crisis"] == "action_answer_after_crisis"
    assert "greet" not in actions and "suicidal" not in actions  # domain responses only
    monkeypatch.setenv("KB_DATABASE_URL", str(sqlite_engine.url))
    knowledge_base.cache_clear()
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    parsed = {"text": "what are the signs", "intent": {"name": "ask_signs", "confidence": 1.0}, "entities": []}
    try:
        shown, _ = answers_in(reply_to(parsed, executor.actions[actions["ask_signs"]], domain), content.answers)
    finally:
        knowledge_base.cache_clear()
    assert len(shown) == 1 and shown[0] in {a.key for a in content.answers if a.topic == "signs"}
    assert reply_to(parsed, None, domain) == []
