"""Staff training over REST with the real servers: a whole five-question quiz, a drill, a crisis midway."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from bot.cli import assistant, environment, free_port
from knowledge.content import Content
from knowledge.db import make_engine
from knowledge.loader import load
from knowledge.schema import Scenario
from tests.e2e.test_servers import TOKEN, Servers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servers(tmp_path_factory, content, model) -> Iterator[Servers]:
    database = f"sqlite:///{tmp_path_factory.mktemp('e2e-quiz') / 'knowledge.db'}"
    load(make_engine(database), content)
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=database)
    with assistant(env, model, TOKEN) as (actions, _):
        yield Servers(f"http://127.0.0.1:{env['RASA_PORT']}", actions)


def asked(reply: str, content: Content) -> Scenario:
    """The scenario whose question the reply shows."""
    [item] = [s for s in content.scenarios if s.question in reply]
    return item


ORDINALS = ["the first one", "the second one", "the third one", "the fourth one"]
OPTION_LINE = re.compile(r"^([a-d])\) (.+)$", re.MULTILINE)
# how the trainee answers question n: a letter, the option's words, an ordinal, a wrong letter, skip
EXPECTED = {1: "Right", 2: "Right", 3: "Right", 4: "Not quite", 5: "Skipped"}


def right_letter(reply: str, item: Scenario) -> str:
    """The letter the reply shows the question's right answer under (each quiz orders the options)."""
    return {option: letter for letter, option in OPTION_LINE.findall(reply)}[item.options[item.answer]]


def typed(number: int, item: Scenario, letter: str) -> str:
    shown = "abcd".index(letter)
    return {1: f"{letter.upper()})", 2: item.options[item.answer], 3: ORDINALS[shown],
            4: "abcd"[(shown + 1) % len(item.options)], 5: "skip"}[number]


def test_a_new_staff_member_finishes_a_five_question_quiz(servers, content):
    sender = "trainee"
    first = servers.say("quiz me", sender)
    assert "5 questions" in first[0]["text"] and "bot" in first[0]["text"]
    reply = "\n".join(m.get("text", "") for m in first)
    assert "Question 1 of 5" in reply and "didn't catch" not in reply  # nothing typed yet to misread
    assert [b["payload"] for b in first[-1]["buttons"]][-3:] == ["skip", "repeat", "stop"]
    item, seen = asked(reply, content), []
    for number in range(1, 6):
        seen.append(item.key)
        letter = right_letter(reply, item)
        reply = servers.reply(typed(number, item, letter), sender)
        assert reply.startswith(EXPECTED[number]), (typed(number, item, letter), reply)
        assert f"{letter}) {item.options[item.answer]}" in reply  # the feedback uses the letter shown
        assert "Source:" in reply and "https://" in reply
        if number < 5:
            assert f"Question {number + 1} of 5" in reply
            item = asked(reply, content)
    assert len(set(seen)) == 5
    assert "You got 3 of 5 right (1 skipped)." in reply and "To read next:" in reply
    assert re.search(r"- .+: https://", reply)
    # the quiz is over: a letter now gets a helpful reply, not a crash or a knowledge answer
    assert "no quiz is running" in servers.reply("b", sender)


def test_repeat_and_stop_midway(servers, content):
    sender = "stops"
    item = asked(servers.reply("I want to practise", sender), content)
    again = servers.reply("repeat that please", sender)
    assert asked(again, content).key == item.key and "Question 1 of 5" in again
    reply = servers.reply("stop the quiz", sender)
    assert "stopped the quiz" in reply


def test_the_quiz_listens_a_new_topic_an_unclear_reply_and_a_stop_in_everyday_words(servers, content):
    sender = "listens"
    asked(servers.reply("quiz me", sender), content)
    again = servers.reply("quiz me on laws again", sender)
    assert "Let's practise on laws and policy" in again and "Question 1 of 5" in again
    assert not again.startswith(("Right", "Not quite"))  # never scored as an option that says "law"
    unclear = servers.reply("what do you mean", sender)
    assert unclear.startswith("Which one do you mean?") and "Question" not in unclear
    assert asked(again, content).options[0] in unclear
    assert "stopped the quiz" in servers.reply("ok stop, i gotta run to a meeting", sender)


def test_a_topic_quiz(servers, content):
    reply = servers.reply("quiz me on laws", "laws")
    assert "on laws and policy" in reply and "laws" in asked(reply, content).topics


def test_a_crisis_during_a_quiz_stops_it_and_gets_the_crisis_answer(servers, content):
    sender = "crisis-quiz"
    asked(servers.reply("quiz me", sender), content)
    reply = servers.reply("he is outside my door and I'm scared", sender)
    assert "911" in reply and "1-888-373-7888" in reply and "Question" not in reply
    after = servers.reply("b", sender)  # not scored; after a crisis reply nothing offers a quiz again
    assert "Right" not in after and "Not quite" not in after and "quiz" not in after.lower()


def test_every_answer_option_typed_out_is_an_answer_not_a_crisis(servers, content):
    """A trainee may type an option instead of its letter; a few read like a crisis to the classifier."""
    options = {str(option) for scenario in content.scenarios for option in scenario.options}
    taken_for_a_crisis = []
    for option in sorted(options):
        response = requests.post(f"{servers.url}/model/parse", params={"token": TOKEN}, json={"text": option},
                                 timeout=30)
        if response.json()["intent"]["name"] in ("crisis", "suicidal"):
            taken_for_a_crisis.append(option)
    assert taken_for_a_crisis == []


def test_a_drill_on_laws(servers, content):
    sender = "drill"
    reply = servers.reply("ask me about laws", sender)
    assert "Question 1 of" in reply
    [drill] = [d for d in content.drills if d.question in reply]
    assert "laws" in drill.topics
    shown = servers.reply("you must report to law enforcement and NCMEC within 24 hours", sender)
    assert f"Model answer: {drill.model_answer}" in shown and "Source:" in shown and "Another question?" in shown
    assert "Question 2 of" in servers.reply("next", sender)
    assert "end of the drill" in servers.reply("stop", sender)


def test_a_drill_starts_with_its_first_question_not_its_answer(servers, content):
    reply = servers.reply("drill me", "drill-any")
    assert "Question 1 of" in reply and "Model answer" not in reply
    [drill] = [d for d in content.drills if d.question in reply]
    assert f"Model answer: {drill.model_answer}" in servers.reply("call the hotline and law enforcement", "drill-any")


def test_a_crisis_mid_quiz_is_answered_with_the_action_server_down(servers):
    """Last in this module: it stops the action server. The quiz form asks the action server to
    validate every message; with it gone, a crisis must still get the crisis answer at once."""
    sender = "trainee-outage"
    assert "Question 1 of 5" in servers.reply("quiz me", sender)
    servers.stop_action_server()
    reply = servers.reply("I am in danger", sender)
    assert "911" in reply and "1-888-373-7888" in reply
