"""The real thing: trained model, action server and Rasa server, talked to over REST."""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from typing import Iterator

import pytest
import requests

from bot.cli import assistant, environment, free_port
from knowledge.db import make_engine
from knowledge.loader import load

pytestmark = pytest.mark.e2e
TOKEN = "e2e-test-token"


@dataclass
class Servers:
    url: str
    actions: object

    def say(self, text: str, sender: str = "e2e") -> list[dict]:
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                 timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def reply(self, text: str, sender: str = "e2e") -> str:
        return "\n".join(m.get("text", "") for m in self.say(text, sender))

    def stop_action_server(self) -> None:
        os.killpg(self.actions.pid, signal.SIGTERM)
        self.actions.wait(timeout=15)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, content, model) -> Iterator[Servers]:
    database = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'knowledge.db'}"
    load(make_engine(database), content)
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=database)
    with assistant(env, model, TOKEN) as (actions, _):
        yield Servers(f"http://127.0.0.1:{env['RASA_PORT']}", actions)


def test_greeting_says_it_is_a_bot(servers):
    reply = servers.say("hi")
    assert "bot" in reply[0]["text"] and "911" in reply[0]["text"]
    assert "only in this server's memory" in reply[0]["text"]  # the default configuration keeps nothing on disk
    assert {b["payload"] for b in reply[0]["buttons"]} >= {"/ask_signs", "/ask_hotline"}


def test_a_knowledge_question_is_answered_from_the_knowledge_base_with_its_source(servers):
    reply = servers.reply("what are the signs of labor trafficking?")
    assert "employer" in reply and "Source:" in reply and "https://" in reply


def test_a_law_is_explained(servers):
    reply = servers.reply("what does the PSTSFA require of child welfare agencies?")
    assert "P.L. 113-183" in reply and "24 hours" in reply


@pytest.mark.parametrize("state, number", [("Florida", "1-800-962-2873"), ("New York", "1-800-342-3720"),
                                           ("Illinois", "1-800-252-2873")])
def test_reporting_line_for_a_state(servers, state, number):
    assert number in servers.reply(f"how do I report child abuse in {state}", sender=f"state-{state}")


def test_the_state_can_come_in_a_later_turn(servers):
    assert "Which state" in servers.reply("I want to report neglect", sender="two-turns")
    assert "1-855-642-4453" in servers.reply("Ohio", sender="two-turns")


def test_publications_then_more(servers):
    first = servers.say("any publications for caseworkers on labor trafficking?", sender="pubs")
    assert "1. " in first[0]["text"] and first[0]["buttons"][0]["payload"] == "/more_results"
    assert "4. " in servers.reply("show me more", sender="pubs")


@pytest.mark.parametrize("text", ["he took my phone and wont let me leave", "i cant leave, he says i owe him",
                                  "help!!", "i dont wanna be alive anymore"])
def test_indirect_crisis_messages_get_911_and_the_hotline_or_988(servers, text):
    reply = servers.reply(text, sender=f"crisis-{hash(text)}")
    assert "911" in reply and "988" in reply


SPANISH_CRISIS = ("llama al 911", "1-888-373-7888", "te atienden en español", "233733", "marca 2 para español")


@pytest.mark.parametrize("text", ["no me deja salir", "me quitó mis papeles", "dice que le debo",
                                  "me obligan a trabajar y no me dejan ir", "tengo miedo de que me haga daño"])
def test_spanish_crisis_messages_get_911_and_the_hotline_in_spanish(servers, text):
    reply = servers.reply(text, sender=f"es-crisis-{hash(text)}")
    assert all(words in reply for words in SPANISH_CRISIS), reply


@pytest.mark.parametrize("text", ["me quiero morir", "pastillas esta noche", "ya no quiero vivir"])
def test_spanish_suicidal_messages_get_911_then_988_in_spanish(servers, text):
    reply = servers.reply(text, sender=f"es-suicidal-{hash(text)}")
    assert "llama al 911" in reply and "marca 2 para español" in reply
    assert reply.index("911") < reply.index("988")


def test_a_spanish_question_gets_the_spanish_note_and_english_is_answered_in_english(servers):
    note = servers.reply("¿cuáles son las señales de trata?", sender="es-note")
    assert all(words in note for words in ("911", "1-888-373-7888", "en español", "988", "marca 2"))
    english = servers.reply("what are the signs of labor trafficking?", sender="en-only")
    assert english and "español" not in english


def test_a_spanish_crisis_mid_quiz_stops_the_quiz_with_the_spanish_crisis_answer(servers):
    assert "Question 1 of 5" in servers.reply("quiz me", sender="es-quiz")
    text = "ahorita no puedo seguir, el hombre no me deja salir y me quito el telefono"
    reply = servers.reply(text, sender="es-quiz")
    assert all(words in reply for words in SPANISH_CRISIS), reply


def test_an_image_online_gets_the_crisis_answer_and_where_to_report_and_remove_it(servers):
    reply = servers.reply("someone posted my nudes, how do I get them taken down?", sender="images")
    assert "911" in reply and "1-888-373-7888" in reply
    assert "report.cybertip.org" in reply and "takeitdown.ncmec.org" in reply


@pytest.mark.parametrize("text, expected", [
    ("what is the TAKE IT DOWN Act?", "P.L. 119-12"),
    ("what does the REPORT Act require?", "P.L. 118-59"),
    ("will the hotline call the police on me?", "may involve the authorities"),
    ("is there a special 988 option for LGBTQ kids?", "whether it will return is uncertain"),
    ("who runs the national human trafficking hotline?", "Compass Connections"),
])
def test_what_changed_is_answered_as_it_stands_today(servers, text, expected):
    reply = servers.reply(text, sender="today-" + text[:12])
    assert expected in reply, reply


def test_a_crisis_mid_conversation_interrupts_whatever_was_going_on(servers):
    servers.reply("any publications for foster parents?", sender="midway")
    assert "1-888-373-7888" in servers.reply("actually he is outside the door", sender="midway")


def test_asking_for_a_person_gets_the_hotline(servers):
    assert "1-888-373-7888" in servers.reply("can I talk to a real person?", sender="human")


def test_a_long_answer_comes_a_screen_at_a_time(servers):
    first = servers.say("what does PSTSFA require?", sender="long")
    assert "Source:" in first[0]["text"] and first[0]["buttons"][0]["payload"] == "/more_results"
    more = servers.reply("more", sender="long")
    assert more.startswith("What it means for child welfare:") and "no case later than 24 hours" in more


def summary_of(content, key: str) -> str:
    return next(a.summary for a in content.answers if a.key == key)


@pytest.mark.parametrize("text, keys", [
    ("what does survival sex mean?", {"term_survival_sex"}),
    ("does money have to change hands for it to be trafficking?", {"myth_money_must_change_hands",
                                                                   "definition_commercial_sex_act"}),
    ("can a parent traffic their own kid", {"can_family_be_a_trafficker", "myth_family_cannot_traffic"}),
    ("whats the 24 hour rule for kids missing from foster care?", {"pstsfa_report_missing_24h"}),
    ("I found an online ad that looks like it's selling a 14 year old girl, where do I report it?",
     {"online_ad_of_minor"}),
    ("what is branding", {"signs_tattoos_branding"}),  # read as "what can you do?" by this training's classifier
    ("is Childhelp a reporting line", {"childhelp_not_reporting_line"}),  # not only its number
])
def test_a_question_is_answered_from_the_question_without_asking_which_law_or_state(servers, content, text, keys):
    reply = servers.reply(text, sender="engine-" + text[:16])
    assert any(summary_of(content, key) in reply for key in keys), reply[:300]
    assert "Which one?" not in reply and "Which state" not in reply and "Source:" in reply


def test_a_long_story_is_answered_on_its_question(servers, content):
    story = ("We have fostered for six years and most teens settle in after a few weeks; we do game nights, "
             "school meetings and camping trips in the summer, and the caseworkers have been great. ") * 14
    reply = servers.reply(story + "So my question is: what does survival sex mean?", sender="long-story")
    assert summary_of(content, "term_survival_sex") in reply


def test_a_crisis_with_a_question_gets_the_crisis_answer_then_the_answer_to_the_question(servers, content):
    messages = servers.say("someone is threatening to post my nudes unless i send more pics, what do i do?",
                           sender="crisis-question")
    assert "911" in messages[0]["text"] and "1-888-373-7888" in messages[0]["text"]
    assert len(messages) >= 2 and "Source:" in messages[1]["text"]


def test_someone_made_to_work_gets_the_crisis_answer_with_the_hotline_s_labor_help(servers):
    reply = servers.reply("my boss makes me work every night and took my passport so i cant quit",
                          sender="labor-crisis")
    assert "911" in reply and "1-888-373-7888" in reply and "labor trafficking too" in reply


def test_a_crisis_conversation_goes_on_and_never_repeats_the_crisis_block(servers):
    """Issue 21's teen: the crisis reply once, then her questions answered, the numbers in every reply."""
    sender = "teen-in-crisis"
    first = servers.reply("my bf has me go on dates w older guys n they give him money", sender)
    assert "911" in first and "1-888-373-7888" in first and "not your fault" in first
    follow_ups = ["he says i owe him for my phone", "would i get arrested??",
                  "can i just text someone instead of calling, my mom checks my phone n he does too",
                  "does he count as a trafficker if hes only 19"]
    replies = [servers.reply(text, sender) for text in follow_ups]
    for text, reply in zip(follow_ups, replies, strict=True):
        assert "911" in reply and "1-888-373-7888" in reply, text  # the numbers stay one tap away
        assert "not your fault" not in reply and "confidential and not the police" not in reply, text
    assert len(set(replies)) == len(replies)  # never the same block twice
    assert "victim" in replies[1]  # "would i get arrested??": minors in commercial sex are victims
    assert "Publications" not in "".join(replies) and "quiz" not in "".join(replies).lower()
    ok = servers.reply("ok", sender)
    assert "Take care." not in ok and "Did you mean" not in ok


def test_a_new_danger_in_a_crisis_conversation_gets_the_full_crisis_reply_again(servers):
    sender = "teen-new-danger"
    servers.reply("he took my passport and says i cant leave", sender)
    reply = servers.reply("now he says he will post my nudes if i dont send more", sender)
    assert "CyberTipline" in reply and "911" in reply


def test_the_foster_parent_in_ohio_gets_both_lines_then_a_helper_s_first_steps(servers):
    """Issue 21: "who do i call in ohio" as a first message, then "what should I do right now?"."""
    sender = "foster-parent-ohio"
    lines = servers.reply("who do i call in ohio", sender)
    assert "1-888-373-7888" in lines and "1-855-642-4453" in lines and "Which of these" not in lines
    steps = servers.reply("what should I do right now?", sender)
    assert "Try not to panic" in steps and "child protective services" in steps and "Did you mean" not in steps


def test_someone_helping_a_friend_is_answered_as_a_helper(servers):
    sender = "helping-a-friend"
    assert "911" in servers.reply("my friend's boyfriend makes her sleep with older guys for money", sender)
    reply = servers.reply("should i tell her parents?", sender)
    assert "tell someone you trust" in reply and "1-888-373-7888" in reply and "confront" not in reply


def test_the_caseworker_with_a_youth_missing_from_care_is_told_whom_to_report_to(servers):
    sender = "caseworker-missing"
    first = servers.reply("a 15 yo on my caseload didn't come back to her placement last night, what do i do?", sender)
    assert "24 hours" in first and "NCMEC" in first
    whom = servers.reply("who do i report it to?", sender)
    assert "1-800-843-5678" in whom and "Which state" not in whom
    back = servers.reply("and what do we have to do once she comes back?", sender)  # a next step, not a crisis
    assert "screening them for sex trafficking" in back and "immediate danger" not in back


def test_a_school_counselor_gets_the_school_staff_steps_not_a_list_of_signs(servers):
    reply = servers.reply("I'm a school counselor. one of my students has a much older boyfriend who picks her up, "
                          "she has a new phone and keeps missing school. what should i do?", "school-counselor")
    assert "follow your school's protocol" in reply


def test_start_over_asks_before_it_forgets(servers):
    sender = "start-over"
    servers.reply("how do I report abuse in Oregon", sender)
    messages = servers.say("let's start over", sender)
    assert "Start over?" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/restart"]
    assert "forgotten" in servers.reply("/restart", sender)
    assert "Which state" in servers.reply("how do I report abuse", sender)  # Oregon is forgotten


def test_the_http_api_needs_the_token(servers):
    assert requests.get(f"{servers.url}/status", timeout=10).status_code == 401
    assert requests.get(f"{servers.url}/status", params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(f"{servers.url}/status", params={"token": TOKEN}, timeout=10).status_code == 200


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "x" * 10_000, "<script>alert(1)</script>", "/ask_law{bad json"])
def test_odd_messages_get_an_answer_not_a_crash(servers, text):
    response = requests.post(f"{servers.url}/webhooks/rest/webhook", json={"sender": "odd", "message": text},
                             timeout=60)
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_crisis_is_answered_even_with_the_action_server_down(servers):
    """Keep this test last: it stops the action server."""
    servers.stop_action_server()
    reply = servers.reply("I am in danger, what do I do?", sender="crisis")
    assert "911" in reply and "1-888-373-7888" in reply and "233733" in reply
    assert "can't look that up" not in reply  # the crisis answer is not followed by the unavailable one
    assert "988" in servers.reply("i want to kill myself", sender="crisis-2")
    reply = servers.reply("no me dejan salir de la casa", sender="es-crisis-down")
    assert all(words in reply for words in SPANISH_CRISIS), reply
