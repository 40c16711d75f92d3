"""The safety net turns danger and suicide phrases into crisis intents whatever the classifier said."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.crisis_safety_net import CrisisSafetyNet, expanded


@pytest.fixture(scope="module")
def net() -> CrisisSafetyNet:
    return CrisisSafetyNet()


def classify(net: CrisisSafetyNet, text: str, classifier_said: str = "ask_capabilities") -> Message:
    message = Message(data={"text": text, "intent": {"name": classifier_said, "confidence": 0.9},
                            "intent_ranking": [{"name": classifier_said, "confidence": 0.9}]})
    return net.process([message])[0]


@pytest.mark.parametrize("text", [
    "I am in danger", "im in danger", "he wont let me leave", "i cant leave the house",
    "my boss took my passport", "he says i owe him", "hes makin me work for free", "they're selling me",
    "help!!", "she is forcing me to do stuff with guys", "im scared", "if i run they'll hurt my brother",
    "my boss watches me 24/7", "they watchin me 24/7",
    # added 2026-12-07 after the crisis sets showed the classifier alone missing these kinds of message
    "he said something bad will happen to my little sister", "pls call the police for me", "they locked us in again",
    "we arent allowed to call home", "he knows where we live",
    "the owner wont let me go to school anymore", "my boss says i cant call my parents",
])
def test_danger_phrases_become_crisis(net, text):
    message = classify(net, text)
    assert message.get("intent")["name"] == "crisis"
    assert message.get("intent_ranking")[0] == {"name": "crisis", "confidence": 1.0}
    assert message.get("safety_net")["category"] == "danger"


def test_broken_characters_do_not_hide_a_crisis(net):
    # a lone surrogate (invalid UTF-8 passed on as "\\udcff") made spaCy fail the whole message
    assert classify(net, "\udcff i am in danger \udcff").get("intent")["name"] == "crisis"


@pytest.mark.parametrize("text", ["i want to kill myself", "i dont wanna be alive", "i can't go on like this",
                                  "kms fr", "would anyone miss me if i was dead", "nobody would notice if i was gone",
                                  "no quiero vivir mas", "im on the ledge", "death is the only way out now",
                                  "i'm going to jump", "i took a bunch of pills and i feel weird",
                                  "i think i overdosed"])
def test_suicide_phrases_become_suicidal(net, text):
    assert classify(net, text, "crisis").get("intent")["name"] == "suicidal"


@pytest.mark.parametrize("text", [
    "what are the signs of being forced into labor?", "how do traffickers control victims?",
    "can you help me find publications", "what does PSTSFA require when a youth is missing?",
    "I can't go out tonight, sorry", "is it trafficking if nobody crossed a border?",
    "what if i was gone for the weekend, who covers my caseload?",
    "I'm scared of saying the wrong thing when a youth discloses abuse",
    "will the police come if I call the hotline?", "what happens to a youth who runs from care?",
    "what if a student says she can't go to school because she works nights?",
])
def test_questions_about_the_subject_are_left_alone(net, text):
    message = classify(net, text, "ask_signs")
    assert message.get("intent")["name"] == "ask_signs" and message.get("safety_net") is None


def test_a_crisis_the_classifier_found_stays_as_it_is(net):
    assert classify(net, "please help me", "suicidal").get("intent")["name"] == "suicidal"


@pytest.mark.parametrize("text", ["ｉ ａｍ ｉｎ ｄａｎｇｅｒ", "I AM IN DANGER", "ＨＥＬＰ ＭＥ ＰＬＥＡＳＥ"])
def test_full_width_and_upper_case_letters_do_not_hide_a_crisis(net, text):
    """The probe's full-width message passed as an ordinary one: the net reads NFKC, case-folded text."""
    assert classify(net, text).get("intent")["name"] == "crisis"


@pytest.mark.parametrize("text", [
    "no me deja salir", "me quitó mis papeles", "me obligan a trabajar y no me dejan ir", "dice que le debo",
    "tengo miedo de que me haga daño", "NO ME DEJAN SALIR!!", "me kitaron el pasaporte", "dice q le debo",
    "ayudenme porfa", "ayúdeme por favor, no me deja ir", "my boss no me deja salir", "me tienen encerrada",
    "cuando se va cierran la puerta con llave",
])
def test_spanish_danger_phrases_become_crisis(net, text):
    message = classify(net, text)
    assert message.get("intent")["name"] == "crisis", text
    assert message.get("safety_net")["category"] == "danger"


@pytest.mark.parametrize("text", ["me quiero morir", "pastillas esta noche", "ya no quiero vivir",
                                  "Ya no quiero vivír", "quiero matarme", "ya no aguanto mas", "i just wanna morirme"])
def test_spanish_suicide_phrases_become_suicidal(net, text):
    assert classify(net, text, "crisis").get("intent")["name"] == "suicidal"


@pytest.mark.parametrize("text", [
    "¿cuáles son las señales de trata?", "¿qué hago si un niño dice que no lo dejan salir?",
    "¿por qué las víctimas tienen miedo?", "¿qué es la servidumbre por deudas?", "¿el 988 tiene español?",
    "¿cómo hablo con mi hijo sobre el suicidio?", "hola, ¿habla español?",
])
def test_spanish_questions_about_the_subject_are_left_alone(net, text):
    message = classify(net, text, "spanish")
    assert message.get("intent")["name"] == "spanish" and message.get("safety_net") is None


def test_spanish_phrase_alternatives_are_expanded():
    assert expanded("{|ya} no quiero {vivir|seguir}") == ["no quiero vivir", "no quiero seguir",
                                                        "ya no quiero vivir", "ya no quiero seguir"]
