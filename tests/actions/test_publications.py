import json

from rasa_sdk.events import SlotSet

from actions.more import NOTHING_MORE, ActionShowMore
from actions.publications import ActionFindPublications
from tests.actions.conftest import replied, texts


def slots_from(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_best_three_with_title_publisher_year_and_link(run):
    messages, events = run(ActionFindPublications(), "publications on labor trafficking for caseworkers",
                           "find_publications", {"topic": "labor_trafficking"})
    reply = texts(messages)
    assert reply.count("https://") == 3
    first = "1. Human Trafficking and Child Welfare: A Guide for Caseworkers (Child Welfare Information Gateway, 2023)"
    assert first in reply
    assert SlotSet("publication_offset", 3) in events
    assert messages[0]["buttons"][0]["payload"] == "/more_results"


def test_more_continues_where_the_last_page_ended(run):
    shown, events = run(ActionFindPublications(), "child welfare trafficking", "find_publications")
    first = slots_from(events)
    messages, events = run(ActionShowMore(), "more", "more_results", slots=first, history=replied(shown))
    reply = texts(messages)
    assert reply.startswith("More publications") and "\n4. " in reply
    assert slots_from(events)["publication_offset"] == 6


def test_more_after_a_reply_without_more_says_so_instead_of_an_older_list_or_answer(run):
    """An earlier publication search and an earlier answer's rest are still in the slots; the reply
    just shown (a hotline, say) offered no More."""
    _, events = run(ActionFindPublications(), "child welfare trafficking", "find_publications")
    older = {**slots_from(events), "more_text": "- the rest of an older answer"}
    hotline = [{"event": "bot", "text": "National Human Trafficking Hotline: call 1-888-373-7888", "data": {}}]
    for history in (hotline, []):
        messages, events = run(ActionShowMore(), "more", "more_results", slots=older, history=history)
        assert texts(messages) == NOTHING_MORE
        assert slots_from(events) == {"more_text": None, "publication_offset": None}


def test_filters_that_match_nothing_are_relaxed_instead_of_failing(run):
    messages, events = run(ActionFindPublications(), "tip sheets for researchers", "find_publications",
                           {"audience": "researchers", "publication_type": "tip_sheet"})
    assert "https://" in texts(messages)
    search = json.loads(slots_from(events)["publication_search"])
    assert search["type"] is None or search["audience"] is None


def test_audience_filter(run):
    reply = texts(run(ActionFindPublications(), "something for foster parents", "find_publications",
                      {"audience": "parents_caregivers"})[0])
    assert "Protecting Our Youth" in reply
