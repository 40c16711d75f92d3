import re

import pytest
from rasa_sdk.events import SlotSet

from actions.follow_up import ActionFollowUp
from actions.referrals import ActionReferHotline, ActionReportAbuse
from tests.actions.conftest import texts


@pytest.mark.parametrize(
    "situation, expected",
    [
        ("immediate_danger", ["911", "1-888-373-7888"]),
        ("suspected_trafficking", ["1-888-373-7888", "233733"]),
        ("missing_child", ["1-800-843-5678"]),
        ("online_exploitation", ["report.cybertip.org"]),
        ("image_removal", ["takeitdown.ncmec.org"]),
        ("suicidal_thoughts", ["911", "988"]),
        ("runaway_youth", ["1-800-786-2929"]),
        ("lgbtq_youth", ["1-866-488-7386"]),
        ("native_communities", ["1-844-762-8483"]),
        ("sexual_assault", ["1-800-656-4673"]),
    ],
)
def test_each_situation_gets_its_line(run, situation, expected):
    messages, events = run(ActionReferHotline(), "who do I call", "ask_hotline", {"situation": situation})
    reply = texts(messages, events)
    for number in expected:
        assert number in reply, (situation, reply)
    assert SlotSet("situation", situation) in events


@pytest.mark.parametrize("situation", ["suicidal_thoughts", "lgbtq_youth"])
def test_988_never_offers_the_ended_press_3_option(run, situation):
    reply = texts(*run(ActionReferHotline(), "", "ask_hotline", {"situation": situation})).lower()
    assert "press 3" not in reply


def test_the_trafficking_hotline_is_honest_about_who_runs_it_and_what_it_may_share(run):
    reply = texts(*run(ActionReferHotline(), "", "ask_hotline", {"situation": "suspected_trafficking"}))
    assert "Polaris" not in reply and "anonymous" not in reply
    assert "may share tips with law enforcement" in reply and "ask them how they handle" in reply


def test_the_take_it_down_service_is_not_mistaken_for_the_law(run):
    reply = texts(*run(ActionReferHotline(), "", "ask_hotline", {"situation": "image_removal"}))
    assert "takeitdown.ncmec.org" in reply and "not the federal TAKE IT DOWN Act" in reply


def test_suspected_trafficking_also_says_where_reports_about_a_child_go(run):
    messages, _ = run(ActionReferHotline(), "", "ask_hotline", {"situation": "suspected_trafficking"})
    assert {"response": "utter_report_to_cps"}.items() <= messages[-1].items()


def test_no_situation_offers_a_few_choices_most_urgent_first_then_the_next_few(run):
    messages, events = run(ActionReferHotline(), "hotline number?", "ask_hotline")
    assert messages[0]["response"] == "utter_ask_situation"
    buttons = messages[0]["buttons"]
    assert len(buttons) <= 5 and buttons[0]["title"] == "Someone is in immediate danger"
    assert buttons[-1]["title"] == "Something else"
    messages, events = run(ActionReferHotline(), buttons[-1]["payload"], "ask_hotline", {"situation": "something_else"})
    assert messages[0]["response"] == "utter_ask_situation_in_words"
    later = [b["title"] for b in messages[0]["buttons"]]
    assert 0 < len(later) <= 5 and not set(later) & {b["title"] for b in buttons}
    assert SlotSet("situation", None) in events  # "something else" is not a situation to remember


@pytest.mark.parametrize("abbr", ["TX", "NY", "FL", "IL", "CA", "WY", "VI", "GU", "PR", "DC"])
def test_state_reporting_line(run, content, abbr):
    line = next(s for s in content.state_lines if s.abbr == abbr)
    messages, events = run(ActionReportAbuse(), f"report abuse in {abbr}", "report_abuse", {"us_state": abbr})
    reply = texts(messages, events)
    assert line.name in reply and "911" in reply and "Source:" in reply
    if line.phone:
        assert line.phone in reply
    else:
        assert line.how_to_report in reply and (line.official_url or "") in reply
    assert SlotSet("us_state", abbr) in events


@pytest.mark.parametrize("abbr", ["CA", "AL", "MN", "NV", "NC", "WI"])
def test_a_county_line_state_reads_as_one_clean_message(run, content, abbr):
    """No single statewide line: said once, in the content's words; county lines as examples, no
    "Example:" labels, no number twice; one message, with no "more" to tap."""
    line = next(s for s in content.state_lines if s.abbr == abbr)
    assert not line.statewide and not line.phone
    messages, events = run(ActionReportAbuse(), f"report abuse in {abbr}", "report_abuse", {"us_state": abbr})
    assert len(messages) == 1 and SlotSet("more_text", None) in events
    reply = messages[0]["text"]
    assert reply.lower().count("statewide") == 1 and "no single statewide reporting line" not in reply
    assert "Example" not in reply and "Other numbers: Example" not in reply
    for number in line.other_numbers:
        assert reply.count(number["phone"]) == 1, (abbr, number)
    assert reply.startswith(f"To report child abuse or neglect in {line.name}:\n{line.how_to_report}")
    pages = re.findall(r"https?://[^\s)]+", reply)
    assert len(pages) == len(set(pages)), pages  # each page once


def test_california_names_its_county_lines_as_examples_and_cites_the_state_page(run, content):
    reply = texts(*run(ActionReportAbuse(), "report abuse in california", "report_abuse", {"us_state": "CA"}))
    assert "Local lines, for example: Los Angeles County: 1-800-540-4000; San Diego County: 858-560-2191" in reply
    assert "Source: the official page, https://www.cdss.ca.gov/" in reply


@pytest.mark.parametrize("abbr", ["MD", "WY", "GU", "VI"])
def test_a_line_the_reference_is_less_sure_of_says_so_on_the_first_screen(run, content, abbr):
    line = next(s for s in content.state_lines if s.abbr == abbr)
    assert line.confidence in ("medium", "low")
    messages, _ = run(ActionReportAbuse(), f"report abuse in {abbr}", "report_abuse", {"us_state": abbr})
    first_screen = messages[0]["text"]
    assert "Please double-check" in first_screen
    if line.official_url == line.source_url:  # named once, in the source line
        assert "on the official page below" in first_screen and first_screen.count(line.official_url) == 1
    elif line.official_url:
        assert f"Confirm it on the official page: {line.official_url}" in first_screen
    else:
        assert "Confirm it with the agency" in first_screen


@pytest.mark.parametrize("abbr", ["TX", "OH", "CA", "NC"])
def test_a_line_the_reference_is_sure_of_carries_no_caveat(run, abbr):
    messages, events = run(ActionReportAbuse(), f"report abuse in {abbr}", "report_abuse", {"us_state": abbr})
    assert "double-check" not in texts(messages, events)


def test_every_state_and_territory_has_an_answer(run, content):
    for line in content.state_lines:
        reply = texts(*run(ActionReportAbuse(), "", "report_abuse", {"us_state": line.abbr}))
        assert line.phone in reply if line.phone else line.how_to_report in reply, line.abbr
        for number in line.other_numbers:  # a number the text already gives is not listed again
            assert reply.count(number["phone"]) == 1, (line.abbr, number["phone"])


def test_without_a_state_it_asks_for_one(run):
    messages, events = run(ActionReportAbuse(), "how do I report abuse", "report_abuse")
    assert messages[0]["response"] == "utter_ask_state" and events == []


def test_a_follow_up_naming_a_state_continues_the_report_question(run):
    reply = texts(*run(ActionFollowUp(), "what about Ohio?", "inform", {"us_state": "OH"}))
    assert "1-855-642-4453" in reply


def test_a_follow_up_naming_an_audience_finds_publications(run):
    reply = texts(*run(ActionFollowUp(), "for foster parents", "inform",
                       {"audience": ("parents_caregivers", "foster parents")}))
    assert "Protecting Our Youth" in reply


def test_for_suicidal_thoughts_911_comes_before_988(run):
    messages, _ = run(ActionReferHotline(), "", "ask_hotline", {"situation": "suicidal_thoughts"})
    assert messages[0]["text"].startswith("Emergency (911)") and "988" in messages[1]["text"]


def test_lines_asked_for_in_a_state_come_with_that_state_s_line(run):
    messages, events = run(ActionReferHotline(), "who do i call in ohio", "ask_hotline",
                           {"situation": "suspected_trafficking", "us_state": "OH"})
    reply = texts(messages, events)
    assert "1-888-373-7888" in reply and "1-855-642-4453" in reply and "Tell me the state" not in reply
    assert SlotSet("us_state", "OH") in events


def test_the_urgency_order_names_real_situations(content):
    from actions.referrals import URGENCY

    assert set(URGENCY) <= set(content.vocabulary["situations"])


def test_a_state_named_after_the_trafficking_lines_gets_its_line_next_to_the_national_one(run):
    messages, events = run(ActionFollowUp(), "in ohio", "inform", {"us_state": "OH"},
                           slots={"situation": "suspected_trafficking"})
    reply = texts(messages, events)
    assert "855-642-4453" in reply and "1-888-373-7888" in reply
    assert SlotSet("situation", None) in events  # answered: forgotten


def test_who_do_i_call_after_a_crisis_reply_gets_the_trafficking_lines_not_a_list(domain):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    message = {"text": "who do i call", "intent": {"name": "ask_hotline", "confidence": 1.0}, "entities": []}
    events = [{"event": "action", "name": "utter_crisis"}, {"event": "action", "name": "action_answer_after_crisis"}]
    dispatcher = CollectingDispatcher()
    ActionReferHotline().run(dispatcher, Tracker("t", {}, message, events, False, None, {}, "action_listen"), domain)
    reply = texts(dispatcher.messages)
    assert "1-888-373-7888" in reply and "Which of these fits best" not in reply


def test_who_to_call_about_someone_gets_the_lines_not_an_answer(run):
    """Who it is about ("my foster son") and how sure one is ("I think") ask nothing more."""
    reply = texts(*run(ActionReferHotline(), "who do i call if i think my foster son is being trafficked",
                       "ask_hotline", {"situation": "suspected_trafficking"}))
    assert "1-888-373-7888" in reply and "confront" not in reply


def test_who_do_i_call_in_a_state_cold_gets_the_trafficking_lines_and_that_state_s_line(run):
    """A foster parent's first message, "who do i call in ohio": no list of situations, no "which state?"."""
    messages, events = run(ActionReferHotline(), "who do i call in ohio", "ask_hotline", {"us_state": "OH"})
    reply = texts(messages, events)
    assert "1-888-373-7888" in reply and "1-855-642-4453" in reply
    assert "Which of these fits best" not in reply and "Tell me the state" not in reply


def test_a_state_named_before_the_situation_is_not_asked_again(run):
    messages, events = run(ActionReferHotline(), "/ask_hotline", "ask_hotline", {"situation": "suspected_trafficking"},
                           slots={"us_state": "OH"})
    reply = texts(messages, events)
    assert "1-855-642-4453" in reply and "Tell me the state" not in reply


def shown(answer_key: str) -> list[dict]:
    """The conversation so far: a question answered with `answer_key`."""
    return [{"event": "user", "text": "q", "parse_data": {"intent": {"name": "ask_definition"}}},
            {"event": "slot", "name": "last_answer", "value": answer_key}]


@pytest.mark.parametrize("action, text, intent", [
    (ActionReportAbuse(), "who do i report it to?", "report_abuse"),
    (ActionReferHotline(), "/ask_hotline", "ask_hotline"),  # the answer's "Who do I call?" button
])
def test_who_to_report_to_after_the_missing_from_care_answer_is_law_enforcement_and_ncmec(run, action, text, intent):
    """Issue 21's caseworker: not "which state?" (the child abuse line) for a child missing from care."""
    messages, events = run(action, text, intent, history=shown("youth_missing_from_care_what_to_do"))
    reply = texts(messages, events)
    assert "1-800-843-5678" in reply and "911" in reply and "Which state" not in reply


def test_after_an_answer_naming_only_the_general_lines_the_report_question_asks_the_state(run):
    messages, _ = run(ActionReportAbuse(), "who do i report it to?", "report_abuse", history=shown("signs_at_school"))
    assert messages[0]["response"] == "utter_ask_state"


def test_what_should_i_do_right_now_read_as_asking_for_lines_gets_the_helper_s_steps_after_a_state_line(run):
    """The classifier may read "right now" as immediate danger and ask for lines: after the Ohio lines it is
    the foster parent's next step."""
    messages, events = run(ActionReferHotline(), "what should I do right now?", "ask_hotline",
                           {"situation": "immediate_danger"}, slots={"us_state": "OH"})
    assert "Try not to panic" in texts(messages, events)


def test_a_question_read_as_a_follow_up_is_answered_on_what_it_asks(run, content):
    # "parents" names an audience, but this is not a request for parents' publications
    reply = texts(*run(ActionFollowUp(), "should i tell her parents?", "inform",
                       {"audience": ("parents_caregivers", "parents")},
                       slots={"crisis_shown": True}))
    assert "tell someone you trust" in reply and "Protecting Our Youth" not in reply


def test_a_follow_up_naming_nothing_is_answered_never_a_dead_end(run, content):
    messages, events = run(ActionFollowUp(), "would i get arrested??", "inform", slots={"crisis_shown": True})
    reply = texts(messages, events)
    assert "under 18 who is induced into a commercial sex act is a victim" in reply and "1-888-373-7888" in reply
    messages, _ = run(ActionFollowUp(), "zzqx vbnm", "inform", slots={"crisis_shown": True})
    assert [m["response"] for m in messages] == ["utter_crisis_listening"]
    messages, events = run(ActionFollowUp(), "zzqx vbnm", "inform")  # never a follow-up action: it would loop
    assert [m["response"] for m in messages] == ["utter_default"] and events == []


def test_a_question_plainly_about_an_answer_that_gives_the_same_line_gets_that_answer(run, content):
    """"Is Childhelp a reporting line?" names nothing beyond the line, but the answer about Childhelp
    says what it is for and gives the same line: nothing is lost."""
    answer = next(a for a in content.answers if a.key == "childhelp_not_reporting_line")
    reply = texts(*run(ActionReferHotline(), "is Childhelp a reporting line", "ask_hotline",
                       {"situation": ("abuse_support", "Childhelp")}))
    assert answer.summary in reply and "1-800-422-4453" in reply


def test_a_line_request_that_fits_two_answers_alike_gets_the_lines(run, content):
    """"Who do I call about sextortion" fits the definition and the what-to-do answer alike."""
    reply = texts(*run(ActionReferHotline(), "who do i call about sextortion", "ask_hotline",
                       {"situation": ("online_exploitation", "sextortion")}))
    assert "report.cybertip.org" in reply
    assert not any(a.summary in reply for a in content.answers)


def test_a_topic_named_beside_the_report_question_is_something_more_to_answer(run, content):
    """"mandated reporter" is a topic the extractor knows, not a state: the question is answered, not
    met with "which state?"."""
    answer = next(a for a in content.answers if a.key == "mandated_reporters_who")
    messages, _ = run(ActionReportAbuse(), "is a foster parent a mandated reporter", "report_abuse",
                      {"topic": ("reporting", "mandated reporter")})
    assert answer.summary in texts(messages) and not [m for m in messages if m.get("response") == "utter_ask_state"]


def test_a_line_question_asking_more_gets_the_answer_plainly_about_it_when_it_gives_the_same_line(run, content):
    answer = next(a for a in content.answers if a.key == "lgbtq_youth_support")
    reply = texts(*run(ActionReferHotline(), "where can a trans kid call for support", "ask_hotline",
                       {"situation": ("lgbtq_youth", "trans kid")}))
    assert answer.summary in reply and "1-866-488-7386" in reply
