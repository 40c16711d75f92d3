from actions.answers import ActionAnswerQuestion
from tests.actions.conftest import texts


def test_signs_of_labor_trafficking_with_source(run):
    messages, events = run(ActionAnswerQuestion(), "what are the signs of labor trafficking", "ask_signs",
                      {"topic": "labor_trafficking"})
    answer = texts(messages, events)
    assert "Debt to an employer" in answer or "debt to an employer" in answer
    assert "Source:" in answer and "https://" in answer
    assert any(b["payload"].startswith("/ask_hotline") for m in messages for b in m.get("buttons", []))


def test_signs_without_subtopic_give_the_general_indicators(run):
    answer = texts(*run(ActionAnswerQuestion(), "what are the red flags", "ask_signs"))
    assert "No single indicator proves trafficking" in answer
    assert "older" in answer  # the controlling older "boyfriend"/"girlfriend" indicator


def test_the_plain_question_gets_the_general_signs_not_a_subtopic(run):
    answer = texts(*run(ActionAnswerQuestion(), "what are the signs of trafficking?", "ask_signs", {"topic": "signs"}))
    assert "No single indicator proves trafficking" in answer and "older" in answer


def test_definition_question_gets_the_matching_definition(run):
    answer = texts(*run(ActionAnswerQuestion(), "does a minor have to be forced for it to be sex trafficking?",
                       "ask_definition"))
    assert "under 18" in answer and "force, fraud or coercion" in answer
    border = texts(*run(ActionAnswerQuestion(), "is it trafficking if nobody crossed a border?", "ask_definition"))
    assert "border" in border


def test_risk_factors_prevention_and_month(run):
    assert "foster care" in texts(*run(ActionAnswerQuestion(), "who is at risk", "ask_risk_factors"))
    assert "social connections" in texts(*run(ActionAnswerQuestion(), "how to prevent it", "ask_prevention"))
    month = texts(*run(ActionAnswerQuestion(), "when is prevention month", "ask_prevention_month"))
    assert "January" in month and "Source:" in month


def test_related_publications_are_offered(run):
    messages, events = run(ActionAnswerQuestion(), "who is at risk", "ask_risk_factors")
    assert "To read more" in texts(messages, events)


def test_a_question_asked_as_an_answer_lists_it_gets_that_answer(run):
    """The issue's example: a parent trafficking their own child used to get the TVPA definition."""
    answer = texts(*run(ActionAnswerQuestion(), "Can a parent traffic their own child?", "ask_definition"))
    assert "family member" in answer and "severe forms" not in answer


def test_a_definition_question_is_answered_from_the_myths_too(run):
    answer = texts(*run(ActionAnswerQuestion(), "is it trafficking if she got drugs, not cash?", "ask_definition"))
    assert "anything of value" in answer


def test_a_subtopic_without_a_general_answer_gets_its_best_match(run):
    answer = texts(*run(ActionAnswerQuestion(), "what does sextortion mean exactly", "ask_definition",
                        {"topic": "online_exploitation"}))
    assert "blackmail" in answer and "groom" not in answer.lower()
