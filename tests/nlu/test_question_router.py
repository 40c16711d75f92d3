"""A question the classifier gave to a dialogue intent, unsure, is answered when it is plainly about one answer."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.crisis_safety_net import CrisisSafetyNet
from bot.components.question_router import QuestionRouter
from knowledge.content import GENERAL_ANSWERS
from knowledge.ranking import AnswerIndex


@pytest.fixture(scope="module")
def pipeline(content) -> list:
    """The end of the NLU pipeline, in config.yml's order."""
    return [QuestionRouter(AnswerIndex(content.answers, GENERAL_ANSWERS)), CrisisSafetyNet()]


def understood(pipeline: list, text: str, classifier_said: str, confidence: float = 0.7) -> Message:
    message = Message(data={"text": text, "intent": {"name": classifier_said, "confidence": confidence},
                            "intent_ranking": [{"name": classifier_said, "confidence": confidence}], "entities": []})
    for component in pipeline:
        component.process([message])
    return message


def named_answer(message: Message) -> str | None:
    return next((e["value"] for e in message.get("entities") if e["entity"] == "answer"), None)


@pytest.mark.parametrize("text, classifier_said, expected", [
    ("what does branding mean", "ask_capabilities", "signs_tattoos_branding"),
    ("why would a team of agencies work a trafficking case together", "start_quiz", "multidisciplinary_teams_what"),
])
def test_a_question_taken_for_a_dialogue_intent_names_the_answer_it_is_plainly_about(pipeline, text, classifier_said,
                                                                                       expected):
    message = understood(pipeline, text, classifier_said)
    assert message.get("intent")["name"] == "ask_definition" and named_answer(message) == expected


@pytest.mark.parametrize("text, classifier_said, confidence", [
    ("what does branding mean", "ask_capabilities", 0.95),  # the classifier was sure
    ("what can you help me with", "ask_capabilities", 0.6),  # speaks to the assistant
    ("quiz me on risk factors", "start_quiz", 0.6),
    ("what does branding mean", "bot_challenge", 0.6),  # never rerouted
    ("District of Columbia", "inform", 0.6),
    ("hello", "ask_capabilities", 0.6),  # plainly about no answer
])
def test_other_messages_keep_the_classifier_s_intent(pipeline, text, classifier_said, confidence):
    message = understood(pipeline, text, classifier_said, confidence)
    assert message.get("intent")["name"] == classifier_said and named_answer(message) is None


def test_a_danger_phrase_still_wins(pipeline):
    message = understood(pipeline, "what does branding mean, he branded me and wont let me leave", "ask_capabilities")
    assert message.get("intent")["name"] == "crisis"
