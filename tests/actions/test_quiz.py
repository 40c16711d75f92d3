"""The training quiz and drill: reading typed answers, choosing questions, feedback and the score."""
from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from actions import choice
from actions.drill import ActionAskDrillAnswer, ActionStartDrill, ValidateDrillForm, covered_terms
from actions.formatting import SCREEN
from actions.quiz import (
    FINISHED,
    ActionAskQuizAnswer,
    ActionFinishQuiz,
    ActionStartQuiz,
    ValidateQuizForm,
    feedback,
    option_orders,
    select_questions,
)
from actions.repository import knowledge_base
from tests.actions.conftest import texts

OPTIONS = ["Only cash payments.", "An exchange of anything of value, such as money, drugs or a place to stay.",
           "Only payments made through a website."]


@pytest.mark.parametrize("reply, expected", [
    ("b", 1), ("B)", 1), ("(b)", 1), ("B.", 1), ("option b", 1), ("I think it's b", 1), ("i'd go with B", 1),
    ("b please", 1), ("2", 1), ("#2", 1), ("the second one", 1), ("Second", 1), ("2nd option", 1),
    ("the last one", 2), ("a", 0), ("first", 0), ("number 3", 2),
    ("b) An exchange of anything of value", 1),  # a copied option
    ("anything of value, like drugs or a place to stay", 1), ("only cash payments", 0),
    ("website payments only", 2),
])
def test_typed_answers_name_their_option(reply, expected):
    assert choice.choice(reply, OPTIONS) == expected


@pytest.mark.parametrize("reply", ["d", "option 4", "the fourth one", "payments", "what are the signs?", "", "b or c",
                                   "cash or a website", "cash", "quiz me on website rules again"])
def test_replies_that_name_no_single_option_are_not_guessed(reply):
    assert choice.choice(reply, OPTIONS) is None


@pytest.mark.parametrize("reply, expected", [
    ("skip", "skip"), ("next question", "skip"), ("I don't know", "skip"), ("pass", "skip"),
    ("repeat", "repeat"), ("say that again", None), ("can you repeat the question", "repeat"),
    ("what was the question", "repeat"), ("stop", "stop"), ("Stop the quiz", "stop"), ("quit", "stop"),
    ("let's stop here please", "stop"), ("b", None), ("a place to stay", None),
])
def test_commands(reply, expected):
    assert choice.command(reply) == expected


@pytest.mark.parametrize("reply, expected", [
    ("ok stop, i gotta run to a meeting", "stop"), ("end quiz", "stop"), ("nvm", "stop"), ("i have to go", "stop"),
    ("Never mind, I'm done", "stop"), ("can we pause this", "stop"), ("new quiz", "new"), ("restart", "new"),
    ("quiz me on laws again", "new"), ("stop this and quiz me on hotlines", "new"), ("change topic", "topic"),
    ("can we do something else", "topic"), ("skip", "skip"), ("repeat the question", "repeat"), ("b", None),
    ("the second one", None), ("Law enforcement and NCMEC within 24 hours", None),
])
def test_quiz_commands_in_everyday_words(reply, expected):
    assert choice.quiz_command(reply) == expected


def test_every_option_typed_out_names_itself():
    """Whatever words it has: "Stop, Observe, Ask, Respond." is an answer, not a stop (the quiz reads
    commands only in a reply that names no option)."""
    for item in knowledge_base().scenarios():
        for index, option in enumerate(item.options):
            assert choice.choice(option, item.options) == index, (item.key, option)
            assert choice.choice(option.rstrip(".").upper(), item.options) == index, (item.key, option)


def test_an_option_with_a_command_word_is_scored(validate):
    item = knowledge_base().scenario("soar_meaning")
    soar = item.options[item.answer]
    assert choice.quiz_command(soar) == "stop"  # read alone, it would stop the quiz
    messages, state, over = answer(validate, quiz_state([item.key, "commercial_sex_act"]), soar)
    assert messages[0]["text"].startswith("Right") and state["right"] == [item.key] and over is None


def test_a_drill_answer_that_mentions_going_is_an_answer_not_a_stop():
    """Drill answers are sentences: only a message that is all command ends the drill."""
    assert choice.command("they need to go to a safe placement and stop contact") is None
    assert choice.command("i have to go") == "stop" and choice.command("quiz me") == "new"


def test_questions_are_different_mixed_in_difficulty_and_repeatable_with_a_seed():
    scenarios = knowledge_base().scenarios()
    first = select_questions(scenarios, random.Random(7))
    assert len(first) == 5 and len({s.key for s in first}) == 5
    assert {s.difficulty for s in first} == {"basic", "intermediate", "advanced"}
    order = ["basic", "intermediate", "advanced"]
    assert [order.index(s.difficulty) for s in first] == sorted(order.index(s.difficulty) for s in first)
    assert [s.key for s in select_questions(scenarios, random.Random(7))] == [s.key for s in first]
    assert [s.key for s in select_questions(scenarios, random.Random(8))] != [s.key for s in first]


def test_a_topic_quiz_asks_only_about_that_topic(run, monkeypatch):
    monkeypatch.setenv("QUIZ_SEED", "1")
    messages, events = run(ActionStartQuiz(), "quiz me on laws", "start_quiz", {"topic": "laws"})
    quiz = next(e["value"] for e in events if e["name"] == "quiz")
    assert "on laws and policy" in messages[0]["text"] and len(quiz["questions"]) == 5
    assert all("laws" in knowledge_base().scenario(k).topics for k in quiz["questions"])
    _, hotline_events = run(ActionStartQuiz(), "quiz me on which hotline to call", "start_quiz")
    hotline_quiz = next(e["value"] for e in hotline_events if e["name"] == "quiz")
    assert {knowledge_base().scenario(k).source_kind for k in hotline_quiz["questions"]} == {"hotline"}


def quiz_state(keys, index=0, orders=None):
    """A quiz on these scenarios; without `orders` each question's options are shown as written."""
    orders = orders or [list(range(len(knowledge_base().scenario(k).options))) for k in keys]
    return {"questions": keys, "orders": orders, "index": index, "right": [], "missed": [], "skipped": [],
            "topic": None}


def answer(run_validate, state, reply):
    """One turn of the form: feedback, the new state and whether the quiz is over."""
    dispatcher_messages, result = run_validate(state, reply)
    return dispatcher_messages, result.get("quiz", state), result.get("quiz_answer")


@pytest.fixture()
def validate(domain):
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import tracker

    def _validate(state, reply):
        dispatcher = CollectingDispatcher()
        result = ValidateQuizForm().validate_quiz_answer(reply, dispatcher, tracker(reply, slots={"quiz": state}),
                                                         domain)
        return dispatcher.messages, result

    return _validate


def test_right_wrong_and_skipped_answers_get_feedback_with_the_source_and_a_score(validate, run):
    keys = ["minor_no_force_needed", "pstsfa_missing_24_hours", "hotline_suspected_trafficking"]
    state = quiz_state(keys)
    messages, state, over = answer(validate, state, "c")  # right
    reply = messages[0]["text"]
    assert reply.startswith("Right") and "Source: Trafficking Victims Protection Act" in reply
    assert over is None and state["index"] == 1
    messages, state, over = answer(validate, state, "the third one")  # wrong: a is right
    reply = messages[0]["text"]
    assert reply.startswith("Not quite") and "a) Law enforcement (for NCIC) and NCMEC" in reply
    assert "PSTSFA (P.L. 113-183)" in reply and "https://www.childwelfare.gov/" in reply
    messages, state, over = answer(validate, state, "skip")
    assert messages[0]["text"].startswith("Skipped. The answer is a)") and over == FINISHED
    assert (state["right"], state["missed"], state["skipped"]) == (keys[:1], keys[1:2], keys[2:])
    messages, events = run(ActionFinishQuiz(), slots={"quiz": state})
    score = messages[0]["text"]
    assert "You got 1 of 3 right (1 skipped)." in score
    # what to read next: the law and the hotline behind the missed questions
    assert "To read next:" in score and "Preventing Sex Trafficking and Strengthening Families Act: https://" in score
    assert "National Human Trafficking Hotline" in score
    assert {e["name"]: e["value"] for e in events} == {"quiz": None, "quiz_answer": None}


def test_an_unclear_reply_gets_the_options_again_briefly_and_repeat_the_whole_question(validate, run):
    item = knowledge_base().scenario("commercial_sex_act")
    state = quiz_state([item.key])
    for reply in ("what do you mean", "payments", "b or c", "cash or a website"):
        messages, after, over = answer(validate, state, reply)
        assert messages == [] and over is None and after["index"] == 0 and after["brief"], reply
        assert after["right"] == after["missed"] == after["skipped"] == [], reply
    asked = run(ActionAskQuizAnswer(), slots={"quiz": after})[0][0]
    options = "\n".join(f"{letter}) {option}" for letter, option in zip("abc", item.options, strict=True))
    assert asked["text"] == ("Which one do you mean? Reply with a, b or c, or say skip, repeat, stop or new quiz."
                             f"\n{options}")
    assert item.question not in asked["text"]
    assert [b["payload"] for b in asked["buttons"]] == ["a", "b", "c", "skip", "repeat", "stop"]
    messages, after, _ = answer(validate, state, "d")
    assert messages[0]["text"] == "There are only 3 options." and after["brief"]
    messages, after, over = answer(validate, after, "repeat")
    assert messages == [] and over is None and after["index"] == 0 and not after["brief"]
    assert run(ActionAskQuizAnswer(), slots={"quiz": after})[0][0]["text"].startswith("Question 1 of 1")
    _, after, _ = answer(validate, {**state, "brief": True}, "b")  # answered: the next question is asked in full
    assert after["index"] == 1 and not after["brief"]


def validate_with(domain, state, reply, entities=None):
    """One turn of the form for a message with entities (as the NLU found them)."""
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import tracker

    dispatcher = CollectingDispatcher()
    result = ValidateQuizForm().validate_quiz_answer(
        reply, dispatcher, tracker(reply, entities=entities, slots={"quiz": state}), domain)
    return dispatcher.messages, result


def test_a_new_quiz_asked_for_midway_starts_on_its_topic_and_nothing_is_scored(domain, monkeypatch):
    """Option (a) of this question is "Law enforcement (for NCIC) and NCMEC": "quiz me on laws again"
    used to be scored as (a)."""
    monkeypatch.setenv("QUIZ_SEED", "2")
    state = quiz_state(["pstsfa_missing_24_hours", "commercial_sex_act"])
    messages, result = validate_with(domain, state, "quiz me on laws again", {"topic": "laws"})
    assert [m["text"].split(":")[0] for m in messages] == ["Let's practise on laws and policy"]
    new = result["quiz"]
    assert result["quiz_answer"] is None and new["index"] == 0 and len(new["questions"]) == 5
    assert new["right"] == new["missed"] == new["skipped"] == []
    assert all("laws" in knowledge_base().scenario(k).topics for k in new["questions"])
    messages, result = validate_with(domain, state, "new quiz")
    assert "Let's practise: 5 questions" in messages[0]["text"] and result["quiz"]["topic"] is None


@pytest.mark.parametrize("reply", ["ok stop, i gotta run to a meeting", "end quiz", "nvm", "i have to go"])
def test_stopping_in_everyday_words_ends_the_quiz_without_scoring_the_reply(validate, run, reply):
    state = quiz_state(["pstsfa_missing_24_hours", "commercial_sex_act"])
    messages, after, over = answer(validate, state, reply)
    assert messages == [] and over == FINISHED and after["right"] == after["missed"] == after["skipped"] == []
    score = texts(run(ActionFinishQuiz(), slots={"quiz": after})[0])
    assert score.startswith("OK, we've stopped the quiz.")


def test_another_topic_without_naming_one_ends_the_quiz_and_asks_which(validate, run):
    state = quiz_state(["commercial_sex_act", "jvta_fund"])
    _, state, _ = answer(validate, state, "b")
    messages, state, over = answer(validate, state, "can we change topic")
    assert messages == [] and over == FINISHED and state["choose_topic"]
    finished, events = run(ActionFinishQuiz(), slots={"quiz": state})
    assert "You got 1 of 1 right." in finished[0]["text"]
    assert finished[0]["text"].endswith("Which topic would you like a quiz on?")
    payloads = [b["payload"] for b in finished[0]["buttons"]]
    assert payloads[-1] == "/start_quiz" and '/start_quiz{"topic": "laws"}' in payloads and len(payloads) <= 5
    assert {e["name"]: e["value"] for e in events} == {"quiz": None, "quiz_answer": None}


def test_a_drill_ends_when_asked_for_a_quiz_or_in_everyday_words(domain):
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import tracker

    state = {"questions": ["drill_pstsfa_missing"], "index": 0, "answered": False}
    for reply in ("quiz me", "nvm", "i have to go"):
        dispatcher = CollectingDispatcher()
        result = ValidateDrillForm().validate_drill_answer(reply, dispatcher, tracker(reply, slots={"drill": state}),
                                                           domain)
        assert result == {"drill_answer": "finished"} and dispatcher.messages == [], reply


def test_the_slot_cleared_when_a_quiz_or_drill_starts_is_not_taken_for_a_reply(validate, domain):
    """Rasa hands the start action's cleared slot (None) to the form's validation before the first
    question: it must neither be called unclear nor answered with the model answer."""
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import tracker

    messages, result = validate(quiz_state(["commercial_sex_act"]), None)
    assert messages == [] and result == {"quiz_answer": None}
    dispatcher = CollectingDispatcher()
    state = {"questions": ["drill_pstsfa_missing"], "index": 0, "answered": False}
    result = ValidateDrillForm().validate_drill_answer(None, dispatcher, tracker("drill me", slots={"drill": state}),
                                                       domain)
    assert dispatcher.messages == [] and result == {"drill_answer": None}


def test_a_quiz_form_that_ran_without_a_quiz_ends_with_a_reply(run):
    messages, events = run(ActionFinishQuiz(), slots={"quiz": None})
    assert [m["response"] for m in messages] == ["utter_no_quiz_running"]
    assert {e["name"]: e["value"] for e in events} == {"quiz": None, "quiz_answer": None}


def test_stopping_midway_scores_what_was_answered(validate, run):
    state = quiz_state(["commercial_sex_act", "jvta_fund", "awareness_day"])
    _, state, _ = answer(validate, state, "b")
    messages, state, over = answer(validate, state, "stop")
    assert messages == [] and over == FINISHED
    score = texts(run(ActionFinishQuiz(), slots={"quiz": state})[0])
    assert "stopped after 1 of 3 questions" in score and "You got 1 of 1 right." in score


def test_the_question_shows_options_and_buttons(run):
    messages, _ = run(ActionAskQuizAnswer(), slots={"quiz": quiz_state(["commercial_sex_act", "jvta_fund"], 1)})
    assert messages[0]["text"].startswith("Question 2 of 2 (advanced):")
    assert [b["payload"] for b in messages[0]["buttons"]] == ["a", "b", "c", "skip", "repeat", "stop"]


def test_options_are_shown_and_read_in_the_quiz_order(run, validate):
    """The letters, numbers and words a trainee replies with name the options as shown, and the
    feedback names the right one with the letter it was shown under."""
    item = knowledge_base().scenario("pstsfa_missing_24_hours")  # (a) as written in the content
    right, wrong = item.options[item.answer], item.options[2]
    state = quiz_state([item.key], orders=[[2, 0, 1]])  # shown as c, a, b
    messages, _ = run(ActionAskQuizAnswer(), slots={"quiz": state})
    assert messages[0]["text"].endswith(f"a) {wrong}\nb) {right}\nc) {item.options[1]}")
    assert [b["payload"] for b in messages[0]["buttons"]][:3] == ["a", "b", "c"]
    for reply in ("b", "B)", "the second one", "2", right):
        said = answer(validate, state, reply)[0][0]["text"]
        assert said.startswith(f"Right: b) {right}"), (reply, said)
    for reply in ("a", "first", wrong):
        said = answer(validate, state, reply)[0][0]["text"]
        assert said.startswith(f"Not quite; that one trips a lot of people up. The answer is b) {right}"), reply
    assert answer(validate, state, "skip")[0][0]["text"].startswith(f"Skipped. The answer is b) {right}")


def test_a_quiz_kept_from_before_option_orders_shows_them_as_written(run, validate):
    """A conversation saved mid-quiz by an earlier version (no `orders`) goes on as it started."""
    item = knowledge_base().scenario("pstsfa_missing_24_hours")
    state = quiz_state([item.key])
    del state["orders"]
    messages, _ = run(ActionAskQuizAnswer(), slots={"quiz": state})
    assert f"a) {item.options[0]}\nb) {item.options[1]}" in messages[0]["text"]
    assert answer(validate, state, "a")[0][0]["text"].startswith(f"Right: a) {item.options[0]}")


OPTION_LINE = re.compile(r"^([a-d])\) (.+)$", re.MULTILINE)


def shown_right(run, monkeypatch, seed: int, text: str = "quiz me") -> list[tuple[str, int, str]]:
    """The quiz this seed starts, as the trainee sees it: (scenario, number of options, the letter the
    right answer is shown under) for each question."""
    monkeypatch.setenv("QUIZ_SEED", str(seed))
    _, events = run(ActionStartQuiz(), text, "start_quiz")
    quiz = next(e["value"] for e in events if e["name"] == "quiz")
    shown = []
    for index, key in enumerate(quiz["questions"]):
        item = knowledge_base().scenario(key)
        messages, _ = run(ActionAskQuizAnswer(), slots={"quiz": {**quiz, "index": index}})
        letters = {option: letter for letter, option in OPTION_LINE.findall(messages[0]["text"])}
        shown.append((key, len(item.options), letters[item.options[item.answer]]))
    return shown


def test_the_right_answer_is_shown_under_every_letter_as_often_and_no_letter_dominates_a_quiz(run, monkeypatch):
    """The content has most right answers at (a) and none at (d); as shown, over 400 seeded quizzes each
    letter is right about as often as chance makes it (each question's letters equally likely), every
    scenario's right answer turns up under each of its letters, and no quiz has one letter right in
    more than 3 of its 5 questions."""
    right, expected, letters_of = Counter(), Counter(), {}
    for seed in range(400):
        quiz = shown_right(run, monkeypatch, seed)
        assert max(Counter(letter for _, _, letter in quiz).values()) <= 3, (seed, quiz)
        for key, size, letter in quiz:
            right[letter] += 1
            expected.update({possible: 1 / size for possible in "abcd"[:size]})
            letters_of.setdefault(key, (size, set()))[1].add(letter)
    for letter in "abcd":  # within four standard deviations of chance (Poisson)
        assert abs(right[letter] - expected[letter]) <= 4 * expected[letter] ** 0.5, (right, expected)
    assert len(letters_of) == len(knowledge_base().scenarios())
    assert {key: sorted(seen) for key, (size, seen) in letters_of.items() if len(seen) < size} == {}


def test_option_orders_are_repeatable_with_a_seed_and_keep_every_option():
    questions = select_questions(knowledge_base().scenarios(), random.Random(5))
    orders = option_orders(questions, random.Random(5))
    assert orders == option_orders(questions, random.Random(5))
    assert [sorted(order) for order in orders] == [list(range(len(q.options))) for q in questions]


def test_every_question_and_its_feedback_fit_on_a_phone_screen():
    """The order of the options changes neither length."""
    for item in knowledge_base().scenarios():
        from actions.formatting import scenario

        order = list(range(len(item.options)))
        assert len(scenario(item, 5, 5, order)) <= SCREEN, item.key
        assert len(feedback(item, item.answer, order)) <= SCREEN, item.key
        assert len(feedback(item, None, order)) <= SCREEN, item.key


def test_a_drill_shows_the_model_answer_its_source_and_the_key_terms_covered(run, domain, monkeypatch):
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import tracker

    monkeypatch.setenv("QUIZ_SEED", "3")
    messages, events = run(ActionStartDrill(), "ask me about laws", "start_drill", {"topic": "laws"})
    state = next(e["value"] for e in events if e["name"] == "drill")
    assert all("laws" in knowledge_base().drill(k).topics for k in state["questions"])
    state["questions"][0] = "drill_pstsfa_missing"
    asked, _ = run(ActionAskDrillAnswer(), slots={"drill": state})
    assert asked[0]["text"].startswith("Question 1 of") and "missing" in asked[0]["text"]

    dispatcher = CollectingDispatcher()
    reply = "you have to tell law enforcement within 24 hours"
    result = ValidateDrillForm().validate_drill_answer(reply, dispatcher, tracker(reply, slots={"drill": state}),
                                                       domain)
    shown = dispatcher.messages[0]["text"]
    assert shown.startswith("Model answer: Report the missing child to law enforcement")
    assert "Your answer covered: law enforcement, 24 hours." in shown and "Also worth mentioning: NCMEC." in shown
    assert "Source: PSTSFA (P.L. 113-183)" in shown and len(shown) <= SCREEN
    state = result["drill"]
    assert state["answered"] and result["drill_answer"] is None
    offer, _ = run(ActionAskDrillAnswer(), slots={"drill": state})
    assert [b["payload"] for b in offer[0]["buttons"]] == ["next", "stop"]
    after_next = ValidateDrillForm().validate_drill_answer("next", CollectingDispatcher(),
                                                           tracker("next", slots={"drill": state}), domain)
    assert after_next["drill"]["index"] == 1 and not after_next["drill"]["answered"]
    stopped = ValidateDrillForm().validate_drill_answer("stop", CollectingDispatcher(),
                                                        tracker("stop", slots={"drill": state}), domain)
    assert stopped == {"drill_answer": "finished"}


def test_key_terms_match_whatever_the_word_forms():
    drill = knowledge_base().drill("drill_labor_signs")
    hit, missed = covered_terms(drill, "Employers holding their documents, long hours and debts")
    assert hit == ["hours", "debt", "documents"] and missed == ["pay", "workplace"]


def test_a_quiz_on_one_law_asks_about_that_law(run):
    messages, events = run(ActionStartQuiz(), "quiz me on PSTSFA", "start_quiz", {"law": "pstsfa"})
    quiz = next(e["value"] for e in events if e["name"] == "quiz")
    assert "on PSTSFA" in messages[0]["text"]
    assert {knowledge_base().scenario(k).source_key for k in quiz["questions"]} == {"pstsfa"}
