"""Reply text for plain-text platforms: plain links, splitting, numbered options."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.channels import text

HOTLINE = "National Human Trafficking Hotline: call 1-888-373-7888 or text 233733."


def test_markdown_links_and_bold_become_plain():
    assert text.plain("See [OTIP](https://www.acf.hhs.gov/otip) and <https://www.acf.hhs.gov>, **now**.") == (
        "See OTIP: https://www.acf.hhs.gov/otip and https://www.acf.hhs.gov, now.")


def test_text_within_the_limit_is_one_part():
    assert text.split(HOTLINE, 1600) == [HOTLINE]


def test_splitting_prefers_paragraphs_then_lines_and_loses_nothing():
    paragraphs = ["a" * 500, "b" * 500, "c" * 500, HOTLINE]
    parts = text.split("\n\n".join(paragraphs), 1200)
    assert parts == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:])]


def test_a_split_never_cuts_a_link_or_a_spaced_phone_number():
    link = "https://www.childwelfare.gov/topics/systemwide/trafficking/"
    for prefix in range(0, 60, 3):  # move the link and the number across the limit
        sample = "x " * prefix + f"read {link} or call (800) 422-4453 now " + "y " * 40
        parts = text.split(sample, 80)
        assert all(len(part) <= 80 for part in parts)
        assert sum(link in part for part in parts) == 1 and sum("(800) 422-4453" in p for p in parts) == 1
        assert " ".join(parts).split() == sample.split()


def test_short_options_go_on_one_line_long_ones_a_line_each():
    buttons = [{"title": "Signs of trafficking", "payload": "/ask_signs"}, {"title": "Who do I call?", "payload": "/x"}]
    assert text.numbered(buttons) == "Reply 1 for Signs of trafficking, 2 for Who do I call?"
    many = [{"title": f"Situation number {n}", "payload": f"/s{n}"} for n in range(1, 13)]
    lines = text.numbered(many).split("\n")
    assert lines[:3] == ["Reply with a number:", "1 Situation number 1", "2 Situation number 2"]


def test_the_options_are_those_of_the_latest_turn():
    options = [{"title": "More", "payload": "/more_results"}]
    tracker = SimpleNamespace(events=[UserUttered("hi"), BotUttered("x", {"buttons": options}),
                                      ActionExecuted("action_listen")])
    assert text.offered_buttons(tracker) == options
    tracker.events += [UserUttered("something else"), BotUttered("no options", {})]
    assert text.offered_buttons(tracker) == []
    assert text.offered_buttons(None) == []


QUIZ_BUTTONS = [*({"title": letter, "payload": letter} for letter in "abc"),
                {"title": "Skip", "payload": "skip"}, {"title": "Repeat", "payload": "repeat"},
                {"title": "Stop", "payload": "stop"}]


def test_buttons_that_send_words_are_shown_as_those_words_not_numbers():
    assert text.numbered(QUIZ_BUTTONS) == "Reply a, b, c, skip, repeat or stop."
    mixed = [{"title": "Another quiz", "payload": "/start_quiz"}, {"title": "Stop", "payload": "stop"}]
    assert text.numbered(mixed) == "Reply 1 for Another quiz.\nOr reply stop."


def resolved(typed: str, buttons: list[dict[str, str]]) -> str:
    tracker = SimpleNamespace(events=[UserUttered("quiz me"), BotUttered("Question 1 of 5", {"buttons": buttons})])
    agent = SimpleNamespace(tracker_store=SimpleNamespace(retrieve=lambda sender: asyncio.sleep(0, tracker)))
    return asyncio.run(text.resolve_choice(agent, "someone", typed))


def test_a_typed_number_after_a_quiz_question_reaches_the_quiz_as_typed_on_every_channel():
    """The quiz reads "2" as its second option and "4" as no option of three, as it does on the web:
    numbered, "4" was "skip" on SMS and Telegram."""
    assert [resolved(typed, QUIZ_BUTTONS) for typed in ("2", "4", "6")] == ["2", "4", "6"]
    options = [{"title": "Signs of trafficking", "payload": "/ask_signs"}, {"title": "Stop", "payload": "stop"}]
    assert [resolved(typed, options) for typed in ("1", "2")] == ["/ask_signs", "2"]
