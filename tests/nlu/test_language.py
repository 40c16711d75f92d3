"""bot/components/language.py: a Spanish message sets the language and, unless it is a crisis, gets the note."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.language import LanguageDetector, language_of


def detected(text: str, intent: str, ranking: list[str] | None = None) -> Message:
    ranked = [{"name": name, "confidence": 0.4} for name in ranking or [intent]]
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.4}, "intent_ranking": ranked,
                            "entities": []})
    return LanguageDetector().process([message])[0]


@pytest.mark.parametrize("text, language", [
    ("¿qué es la trata de personas?", "es"), ("hola", "es"), ("me quiero morir", "es"), ("ayuda", "es"),
    ("my boss no me deja salir, dice que le debo money", "es"), ("what is survival sex?", "en"),
    ("what does 'la migra' mean?", "en"), ("I am in danger", "en"), ("ok", None), ("b", None), ("sos", None),
])
def test_language_of(text, language):
    assert language_of(text) == language


def test_a_spanish_message_gets_the_spanish_intent_and_the_language_entity():
    message = detected("¿dónde puedo reportar abuso infantil?", "report_abuse")
    assert message.get("intent")["name"] == "spanish"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("language", "es")]


@pytest.mark.parametrize("intent, expected", [("crisis", "crisis"), ("suicidal", "suicidal"),
                                              ("nlu_fallback", "spanish"), ("ask_signs", "spanish")])
def test_a_crisis_the_classifier_saw_in_spanish_stands(intent, expected):
    assert detected("no se que hacer, el tipo ese me sigue", intent).get("intent")["name"] == expected


@pytest.mark.parametrize("text", ["what are the signs of trafficking?", "b", "ok"])
def test_english_and_wordless_messages_are_left_alone(text):
    message = detected(text, "ask_signs")
    assert message.get("intent")["name"] == "ask_signs" and message.get("entities") == []
