"""The date a reply says a fact was checked is the entry's last_verified, beside the page it was checked on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import inspect

from actions import formatting
from knowledge.schema import Base

CHECKED = date(2025, 3, 4)
PAGE = "https://example.org/the-page-the-fact-is-on"


def checked_elsewhere(record: Base) -> Base:
    """A copy of the record checked on CHECKED against PAGE, its other links left as they were."""
    columns = {c.key: getattr(record, c.key) for c in inspect(type(record)).column_attrs}
    return type(record)(**{**columns, "last_verified": CHECKED, "source_url": PAGE})


def test_every_checked_date_shown_is_last_verified_next_to_the_source_url(content):
    shown_with = f"{PAGE} (checked {CHECKED})."
    law = checked_elsewhere(content.laws[0])
    publication = checked_elsewhere(content.publications[0])
    assert law.summary_url != PAGE and publication.url != PAGE  # the pages to read differ from the page checked
    replies = {
        "law": formatting.law(law),
        "answer": formatting.answer(checked_elsewhere(content.answers[0])),
        "state line": formatting.state_line(checked_elsewhere(content.state_lines[0])),
        **{f"quiz source of a {kind}": formatting.entry_source(checked_elsewhere(entry)) for kind, entry in [
            ("law", law), ("publication", publication), ("answer", content.answers[0]),
            ("hotline", content.hotlines[0])]},
    }
    wrong = {kind: reply for kind, reply in replies.items()
             if shown_with not in reply or reply.count("(checked ") != 1}
    assert wrong == {}


def test_a_screen_takes_whole_lines_then_sentences_and_never_ends_on_a_heading():
    title, summary = "A law with a long name (P.L. 117-348)", "It does one thing. It also does another thing."
    first, rest = formatting.split_for_screen(f"{title}\n{summary}\nWhat it means:\n- a duty", 60)
    assert (first, rest) == (f"{title}\nIt does one thing.", "It also does another thing.\nWhat it means:\n- a duty")
    first, rest = formatting.split_for_screen("One line.\nTo read more:\n- a long publication title here", 30)
    assert (first, rest) == ("One line.", "To read more:\n- a long publication title here")
    item = "- a list item. Kept whole."
    assert formatting.split_for_screen(f"Intro line here.\n{item}", 30) == ("Intro line here.", item)
