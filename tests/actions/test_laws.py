from rasa_sdk.events import SlotSet

from actions.laws import ActionExplainLaw
from tests.actions.conftest import texts


def test_a_named_law_is_explained_with_citation_and_source(run):
    messages, events = run(ActionExplainLaw(), "what does JVTA do", "ask_law", {"law": "jvta"})
    answer = texts(messages, events)
    assert "Justice for Victims of Trafficking Act" in answer and "P.L. 114-22" in answer
    assert "child abuse and neglect" in answer
    assert "Source: https://www.childwelfare.gov/" in answer
    assert SlotSet("law", "jvta") in events


def test_the_24_hour_rule_comes_from_pstsfa(run):
    answer = texts(*run(ActionExplainLaw(), "PSTSFA", "ask_law", {"law": "pstsfa"}))
    assert "24 hours" in answer and "NCMEC" in answer and "P.L. 113-183" in answer


def test_without_a_law_the_user_picks_from_a_few_then_the_rest(run, content):
    messages, events = run(ActionExplainLaw(), "which federal laws apply", "ask_law")
    first = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert len(first) <= 5 and first[0] == '/ask_law{"law": "pstsfa"}' and first[-1] == '/ask_law{"law": "more_laws"}'
    assert events == [SlotSet("law", None)]
    messages, _ = run(ActionExplainLaw(), first[-1], "ask_law", {"law": "more_laws"})
    rest = [b["payload"] for m in messages for b in m.get("buttons", [])]
    every_law = {f'/ask_law{{"law": "{law.key}"}}' for law in content.laws}
    assert len(rest) <= 5 and set(first[:-1]) | set(rest) == every_law


def test_a_remembered_law_answers_a_follow_up(run):
    answer = texts(*run(ActionExplainLaw(), "and what does it require?", "ask_law", slots={"law": "tvppra"}))
    assert "P.L. 117-348" in answer
