import json

from rasa_sdk.events import SlotSet

from actions.more import ActionShowMore
from actions.publications import ActionFindPublications
from tests.actions.conftest import texts


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
    _, events = run(ActionFindPublications(), "child welfare trafficking", "find_publications")
    first = slots_from(events)
    messages, events = run(ActionShowMore(), "more", "more_results", slots=first)
    reply = texts(messages)
    assert reply.startswith("More publications") and "\n4. " in reply
    assert slots_from(events)["publication_offset"] == 6


def test_more_without_a_previous_search_asks_what_to_find(run):
    messages, _ = run(ActionShowMore(), "more", "more_results")
    assert messages[0]["response"] == "utter_ask_publication_topic"


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
