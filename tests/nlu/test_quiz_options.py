"""A quiz option typed out word for word is a quiz answer, even where the classifier saw a crisis."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.crisis_safety_net import CrisisSafetyNet
from bot.components.quiz_options import QuizOptionMatcher

OPTION = "Unexplained money, prepaid cards or hotel keys."


@pytest.fixture(scope="module")
def pipeline(content) -> list:
    """The end of the NLU pipeline, in config.yml's order."""
    return [QuizOptionMatcher(str(o) for s in content.scenarios for o in s.options), CrisisSafetyNet()]


def understood(pipeline: list, text: str, classifier_said: str) -> str:
    message = Message(data={"text": text, "intent": {"name": classifier_said, "confidence": 0.7},
                            "intent_ranking": [{"name": classifier_said, "confidence": 0.7}]})
    for component in pipeline:
        component.process([message])
    assert message.get("intent_ranking")[0]["name"] == message.get("intent")["name"]
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", [OPTION, "unexplained money prepaid cards or hotel keys", "  UNEXPLAINED MONEY, "
                                  "PREPAID CARDS OR HOTEL KEYS "])
@pytest.mark.parametrize("classifier_said", ["crisis", "suicidal"])
def test_an_option_taken_for_a_crisis_is_a_quiz_answer(pipeline, text, classifier_said):
    assert understood(pipeline, text, classifier_said) == "quiz_answer"


def test_other_intents_of_an_option_are_left_alone(pipeline):
    assert understood(pipeline, OPTION, "ask_signs") == "ask_signs"


@pytest.mark.parametrize("text", ["I am in danger", "hotel keys",
                                  "unexplained money, prepaid cards or hotel keys and nobody explains them"])
def test_anything_else_the_classifier_calls_a_crisis_stays_one(pipeline, text):
    assert understood(pipeline, text, "crisis") == "crisis"


def test_a_danger_phrase_still_wins_over_everything(pipeline):
    assert understood(pipeline, "he won't let me leave", "quiz_answer") == "crisis"


@pytest.mark.parametrize("text", ["😀😀", "🙏", "", "{{7*7}}", "${7*7}", "<script>", "***"])
@pytest.mark.parametrize("classifier_said", ["quiz_answer", "quiz_control"])
def test_a_message_without_words_is_not_understood_rather_than_a_quiz_answer(pipeline, text, classifier_said):
    """With no quiz running, these got "you're answering a practice question"."""
    assert understood(pipeline, text, classifier_said) == "nlu_fallback"


@pytest.mark.parametrize("text", ["b", "B)", "(c)", "2", "answer: a", "I'd go with b", "option c", "¿la b?"])
def test_typed_answers_stay_quiz_answers(pipeline, text):
    assert understood(pipeline, text, "quiz_answer") == "quiz_answer"
