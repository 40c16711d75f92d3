"""Long answers page, follow-ups use earlier turns, unclear requests get a question back."""
from actions.answers import ActionAnswerQuestion
from actions.fallback import ActionDefaultAskAffirmation
from actions.formatting import SCREEN
from actions.laws import ActionExplainLaw
from actions.more import ActionShowMore
from actions.publications import ActionFindPublications
from actions.referrals import ActionReferHotline
from tests.actions.conftest import texts, tracker


def slot(events, name):
    return next((e["value"] for e in events if e.get("name") == name), None)


def test_a_long_answer_shows_one_screen_with_its_source_then_more(run):
    messages, events = run(ActionExplainLaw(), "PSTSFA", "ask_law", {"law": "pstsfa"})
    first = messages[0]
    assert len(first["text"]) <= SCREEN + 120 and "Source: https://" in first["text"]
    assert first["buttons"][0]["payload"] == "/more_results"
    rest = slot(events, "more_text")
    assert rest and "NCMEC" in rest
    shown = []
    for _ in range(5):  # follow "more" to the end
        more, more_events = run(ActionShowMore(), "more", "more_results", slots={"more_text": rest})
        shown.append(more[0]["text"])
        rest = slot(more_events, "more_text")
        if rest is None:
            break
    assert rest is None and "Read more: https://" in shown[-1]
    assert all(len(text) <= SCREEN for text in shown)


def test_publication_on_that_uses_the_topic_of_the_conversation(run):
    _, events = run(ActionAnswerQuestion(), "signs of labor trafficking", "ask_signs", {"topic": "labor_trafficking"})
    assert slot(events, "topic") == "labor_trafficking"
    messages, events = run(ActionFindPublications(), "do you have a publication on that?", "find_publications",
                           slots={"topic": "labor_trafficking"})
    assert '"topic": "labor_trafficking"' in slot(events, "publication_search")
    assert "Labor trafficking" in messages[0]["text"]


def test_publications_without_any_clue_ask_which_topic(run):
    messages, events = run(ActionFindPublications(), "any publications?", "find_publications")
    assert messages[0]["response"] == "utter_ask_which_publications"
    assert '/find_publications{"topic": "screening"}' in [b["payload"] for b in messages[0]["buttons"]]
    assert events == []


def test_who_do_i_call_after_a_topic_answer_means_suspected_trafficking(run, domain):
    from rasa_sdk.executor import CollectingDispatcher

    earlier = tracker("and who do I call?", "ask_hotline")
    earlier.events.append({"event": "action", "name": "action_answer_question"})
    dispatcher = CollectingDispatcher()
    ActionReferHotline().run(dispatcher, earlier, domain)
    assert "1-888-373-7888" in texts(dispatcher.messages)


def test_fallback_asks_in_plain_words(run):
    from rasa_sdk.executor import CollectingDispatcher

    unsure = tracker("sings??", "nlu_fallback")
    unsure.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "ask_signs"}]
    dispatcher = CollectingDispatcher()
    ActionDefaultAskAffirmation().run(dispatcher, unsure, {})
    assert dispatcher.messages[0]["text"] == "Did you mean: the signs of trafficking?"
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/ask_signs", "/out_of_scope"]
