import json

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy.exc import OperationalError

import actions.answers
from actions.answers import ActionAnswerAfterCrisis, ActionAnswerQuestion, ActionAnswerUnclear
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


# --- the answer engine: every answer ranked against the question (issue 20) ---------------------

@pytest.mark.parametrize("question, intent, expected", [
    # the examples, which all used to get the TVPA definition
    ("what does survival sex mean", "ask_definition", {"term_survival_sex"}),
    ("can a parent traffic their own child?", "ask_definition",
     {"can_family_be_a_trafficker", "myth_family_cannot_traffic"}),
    ("does money have to change hands for it to be trafficking", "ask_definition", {"myth_money_must_change_hands"}),
])
def test_a_question_gets_the_answer_to_that_question(run, content, question, intent, expected):
    answers = {a.key: a for a in content.answers}
    reply = texts(*run(ActionAnswerQuestion(), question, intent))
    assert any(answers[key].summary in reply for key in expected), reply[:200]
    assert answers["definition_trafficking"].summary not in reply


def test_close_candidates_are_offered_as_buttons_and_a_button_shows_its_answer(run, content, monkeypatch):
    monkeypatch.setattr(actions.answers, "CLOSE", 100.0)  # every candidate counts as close
    messages, events = run(ActionAnswerQuestion(), "what is sextortion and what do i do", "ask_definition")
    buttons = messages[0]["buttons"]
    assert messages[0]["text"].endswith("?") and 2 <= len(buttons) <= actions.answers.CHOICES and events == []
    key = json.loads(buttons[0]["payload"].removeprefix("/ask_definition"))["answer"]
    answer = next(a for a in content.answers if a.key == key)
    assert buttons[0]["title"] == answer.title
    shown = texts(*run(ActionAnswerQuestion(), buttons[0]["payload"], "ask_definition", {"answer": key}))
    assert answer.summary in shown and "Source:" in shown


def test_a_long_story_is_answered_on_its_question(run, content):
    story = ("I have been a foster parent for six years and we have had many teenagers come through our home. "
             "Most of them settle in after a few weeks, and we do game nights and we go camping in the summer. ") * 12
    question = story + "Anyway, my question is simple: what does survival sex mean?"
    assert len(question) > 2000
    reply = texts(*run(ActionAnswerQuestion(), question, "ask_definition"))
    assert next(a for a in content.answers if a.key == "term_survival_sex").summary in reply


def test_an_answer_offers_its_lines_as_the_next_step_on_the_first_screen(run):
    messages, _ = run(ActionAnswerQuestion(), "what does sextortion mean exactly", "ask_definition")
    first_screen = messages[0]["text"]
    assert "Next step:" in first_screen and "Source:" in first_screen


def test_nothing_in_common_gets_the_no_answer_reply(run):
    messages, _ = run(ActionAnswerQuestion(), "zzqx vbnm", "ask_definition")
    assert messages[0]["response"] == "utter_no_answer"


def test_a_message_not_understood_gets_a_close_answer_or_else_did_you_mean(run, content):
    messages, events = run(ActionAnswerUnclear(), "is sending more pics the answer when someone threatens to post mine",
                           "nlu_fallback")
    assert "Source:" in texts(messages, events)
    messages, events = run(ActionAnswerUnclear(), "blorp", "nlu_fallback")
    assert messages == [] and events == [FollowupAction("action_two_stage_fallback")]


def test_after_a_first_crisis_reply_a_question_that_fits_closely_is_answered(run, content):
    messages, events = run(ActionAnswerAfterCrisis(), "someone is threatening to send my nudes to everyone unless i "
                           "send more, what do i do?", "crisis")
    assert "Source:" in messages[0]["text"] and "CyberTipline" in messages[0]["text"]
    assert SlotSet("crisis_shown", True) in events and SlotSet("situation", None) in events
    # the crisis reply just gave 911 and the hotline; nothing to read is offered to someone in danger
    assert "1-888-373-7888" not in texts(messages, events) and "To read more" not in texts(messages, events)
    assert not [b for m in messages for b in m.get("buttons", []) if "publication" in b["payload"]]


def test_after_a_first_crisis_reply_a_statement_gets_the_safety_questions_once(run, content, domain):
    messages, events = run(ActionAnswerAfterCrisis(), "he is outside the door", "crisis")
    assert [m["response"] for m in messages] == ["utter_crisis_questions"]
    assert SlotSet("crisis_shown", True) in events
    variations = domain["responses"]["utter_crisis_questions"]
    assert all(1 < len(variation["buttons"]) <= 5 for variation in variations)
    for button in [b for variation in variations for b in variation["buttons"]]:  # each shows a sourced answer
        key = json.loads(button["payload"][button["payload"].index("{"):])["answer"]
        shown, _ = run(ActionAnswerQuestion(), button["payload"], "ask_definition", {"answer": key})
        assert "Source:" in shown[0]["text"], key
        if button["title"] in ("I'm helping someone else", "Estoy ayudando a otra persona"):
            assert "away from the person you suspect" in shown[0]["text"]  # a helper's steps, not a disclosure's


def test_later_in_a_crisis_conversation_what_is_said_is_answered_with_the_numbers(run, content):
    in_crisis = {"crisis_shown": True}
    messages, events = run(ActionAnswerQuestion(), "would i get arrested??", "ask_definition", slots=in_crisis)
    answer = texts(messages, events)
    assert "under 18 who is induced into a commercial sex act is a victim" in answer
    assert "911" in messages[-1]["text"] and "1-888-373-7888" in messages[-1]["text"]  # never paged away
    # after the crisis reply's short line, which gives the numbers, the answer does not repeat them
    messages, events = run(ActionAnswerAfterCrisis(), "would i get arrested??", "crisis", slots=in_crisis)
    assert "under 18 who is induced" in texts(messages, events) and "1-888-373-7888" not in texts(messages, events)
    assert "To read more" not in answer
    assert not [b for m in messages for b in m.get("buttons", []) if "publication" in b["payload"]]
    messages, _ = run(ActionAnswerAfterCrisis(), "zzqx vbnm", "crisis", slots=in_crisis)
    assert [m["response"] for m in messages] == ["utter_crisis_listening"]


def test_after_a_crisis_reply_an_unreachable_knowledge_base_still_offers_the_questions(run, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("down"))

    monkeypatch.setattr(actions.answers, "find_answer", unreachable)
    messages, events = run(ActionAnswerAfterCrisis(), "can i text the hotline instead of calling?", "crisis")
    assert [m["response"] for m in messages] == ["utter_crisis_questions"]  # a domain response
    assert SlotSet("crisis_shown", True) in events


def test_a_quiz_reply_with_no_quiz_running_gets_an_answer_that_fits_or_the_note(run):
    messages, _ = run(ActionAnswerUnclear(), "the second one", "quiz_answer")
    assert [m["response"] for m in messages] == ["utter_no_quiz_running"]
    messages, _ = run(ActionAnswerUnclear(), "pstsfa age 26 option", "quiz_answer")
    assert "26" in messages[0]["text"] and "Source:" in messages[0]["text"]


def test_out_of_scope_gets_an_answer_that_fits_or_the_out_of_scope_reply(run):
    messages, _ = run(ActionAnswerUnclear(), "what's the weather tomorrow", "out_of_scope")
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    messages, events = run(ActionAnswerUnclear(), "my bf is 19 and im 15, can a boyfriend be a trafficker?",
                           "out_of_scope")
    assert "Source:" in texts(messages, events)


def test_after_a_crisis_reply_a_message_not_understood_is_listened_to(run):
    messages, _ = run(ActionAnswerUnclear(), "ok", "nlu_fallback", slots={"crisis_shown": True})
    assert [m["response"] for m in messages] == ["utter_crisis_listening"]


def test_a_question_whose_answer_was_just_shown_gets_the_next_best_to_choose_from(run):
    question = "what does survival sex mean"
    messages, events = run(ActionAnswerQuestion(), question, "ask_definition")
    shown = next(e["value"] for e in events if e.get("name") == "last_answer")
    messages, events = run(ActionAnswerQuestion(), question, "ask_definition", slots={"last_answer": shown})
    assert messages[0]["text"].startswith("That is the answer just above")
    assert messages[0]["buttons"] and shown not in str(messages[0]["buttons"])
    messages, _ = run(ActionAnswerQuestion(), "/ask_definition", "ask_definition", {"answer": shown},
                      slots={"last_answer": shown})
    assert "Source:" in messages[0]["text"]  # a button asks for it again on purpose



def test_later_in_a_crisis_conversation_close_answers_are_offered_to_choose_from(run):
    messages, _ = run(ActionAnswerAfterCrisis(), "he says i owe him for my phone", "crisis",
                      slots={"crisis_shown": True})
    payloads = str(messages[0].get("buttons"))
    assert "term_debt_bondage" in payloads and "/crisis" not in payloads  # a button never sends the crisis again


@pytest.mark.parametrize("follow_up", ["should i tell her parents?", "what if she gets mad at me"])
def test_someone_helping_a_friend_gets_the_helper_s_answer_to_their_follow_ups(run, content, follow_up):
    """After "my friend's bf sells her" and the crisis reply, the friend's questions are a helper's."""
    friend = next(a for a in content.answers if a.key == "helping_a_friend")
    messages, events = run(ActionAnswerQuestion(), follow_up, "nlu_fallback", slots={"crisis_shown": True})
    assert friend.summary.split(".")[0] in texts(messages, events)
    assert "confront" not in texts(messages, events).lower()


@pytest.mark.parametrize("slots, expected", [
    ({"situation": "suspected_trafficking", "us_state": "OH"}, "Try not to panic"),  # the foster parent
    ({"us_state": "OH"}, "Try not to panic"),  # after a state's reporting line
    ({"situation": "suspected_trafficking", "crisis_shown": True}, None),  # maybe the child: listened to
    ({}, None),  # nothing to go on
])
def test_what_should_i_do_right_now_is_read_in_the_conversation_s_context(run, slots, expected):
    messages, events = run(ActionAnswerUnclear(), "what should I do right now?", "nlu_fallback", slots=slots)
    reply = texts(messages, events)
    if expected:
        assert expected in reply and "911" in reply
    else:
        assert "Try not to panic" not in reply and "lgbtq" not in reply.lower()


def test_in_a_crisis_conversation_the_answer_just_shown_again_gets_the_listening_note(run):
    messages, _ = run(ActionAnswerUnclear(), "what if she gets mad at me", "nlu_fallback",
                      slots={"crisis_shown": True, "last_answer": "helping_a_friend"})
    assert messages[0]["text"] == "That is the answer just above."
    assert messages[1]["response"] == "utter_crisis_listening"


def test_after_a_first_crisis_reply_an_answer_that_only_resembles_the_message_is_not_added(run, content):
    """"I think I'm being trafficked" resembles the answer for someone helping a friend as much as others:
    the person gets the questions people in danger ask, not a helper's answer."""
    messages, _ = run(ActionAnswerAfterCrisis(), "I think I'm being trafficked right now and I don't know what to do",
                      "crisis")
    assert [m.get("response") for m in messages] == ["utter_crisis_questions"]


def test_after_a_first_crisis_reply_a_question_without_a_question_mark_is_still_answered(run, content):
    """Read as a crisis ("locked up"), a question opening with its verb gets the answer it is plainly about."""
    answer = next(a for a in content.answers if a.key == "myth_chains_and_basements")
    messages, _ = run(ActionAnswerAfterCrisis(), "are trafficked kids always locked up somewhere",
                      "crisis")
    assert answer.summary in messages[0]["text"]
