"""Long answers page, follow-ups use earlier turns, unclear requests get a question back."""
from actions.answers import ActionAnswerQuestion
from actions.fallback import ActionDefaultAskAffirmation
from actions.formatting import SCREEN, SENTENCE_END
from actions.laws import ActionExplainLaw
from actions.more import NOTHING_MORE, ActionShowMore
from actions.publications import ActionFindPublications
from actions.referrals import ActionReferHotline
from tests.actions.conftest import replied, texts, tracker


def slot(events, name):
    return next((e["value"] for e in events if e.get("name") == name), None)


def test_a_long_answer_shows_one_screen_with_its_source_then_more(run):
    messages, events = run(ActionExplainLaw(), "PSTSFA", "ask_law", {"law": "pstsfa"})
    first = messages[0]
    assert len(first["text"]) <= SCREEN and "Source: https://" in first["text"]
    assert "report them within 24 hours" in first["text"]  # the key duty, in the summary
    assert not first["text"].rstrip().split("\n")[-2].endswith(":")  # the line before the source: no heading
    assert first["buttons"][0]["payload"] == "/more_results"
    rest = slot(events, "more_text")
    assert rest.startswith("What it means for child welfare:\n- ") and "NCMEC" in rest
    shown, history = [], replied(messages)
    for _ in range(5):  # follow "more" to the end
        more, more_events = run(ActionShowMore(), "more", "more_results", slots={"more_text": rest}, history=history)
        shown.append(more[0]["text"])
        rest, history = slot(more_events, "more_text"), replied(more)
        if rest is None:
            break
    assert rest is None and shown[-1].endswith("normalcy for youth in care.")
    assert "Read more" not in "".join(shown)  # its page is the source, already on the first screen
    assert all(len(text) <= SCREEN and not text.endswith(":") for text in shown)
    # the last screen offered no More: "more" now has nothing to show, and says so
    last, last_events = run(ActionShowMore(), "more", "more_results", slots={"more_text": None}, history=history)
    assert last[0]["text"] == NOTHING_MORE and slot(last_events, "more_text") is None


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


def screens(run, messages, events) -> list[str]:
    """Every screen of a reply, following "more" to the end."""
    shown, history = [m["text"] for m in messages], replied(messages)
    rest = slot(events, "more_text")
    while rest:
        more, more_events = run(ActionShowMore(), "more", "more_results", slots={"more_text": rest}, history=history)
        shown.append(more[0]["text"])
        rest, history = slot(more_events, "more_text"), replied(more)
    return shown


def test_every_law_and_answer_pages_with_its_summary_and_source_first_and_no_screen_ends_on_a_heading(run, content):
    """Screen one has the key fact (the summary, at least its first sentence) and the source; a heading
    ("What it means for child welfare:", "To read more:") is never the last line of a screen, nor the
    line before the source; nothing is lost."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.answers import show_answer
    from actions.repository import knowledge_base
    from tests.actions.conftest import tracker

    replies = {law.summary: run(ActionExplainLaw(), law.key, "ask_law", {"law": law.key}) for law in content.laws}
    for answer in content.answers:
        dispatcher = CollectingDispatcher()
        events = show_answer(dispatcher, tracker(), knowledge_base().answer(answer.key))
        replies[answer.summary] = (dispatcher.messages, events)
    for summary, (messages, events) in replies.items():
        pages = screens(run, messages, events)
        assert SENTENCE_END.split(summary)[0] in pages[0], summary
        assert pages[0].split("\n")[-1].startswith("Source: "), summary
        read = [line for page in pages for line in page.split("\n") if not line.startswith("Source: ")]
        assert " ".join(summary.split()) in " ".join(" ".join(read).split()), summary
        for page in pages:
            lines = [line for line in page.split("\n") if not line.startswith("Source: ")]
            assert lines and not lines[-1].endswith(":"), page
            assert len("\n".join(lines)) <= SCREEN or len(lines) == 1, page
