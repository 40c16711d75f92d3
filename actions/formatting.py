"""How knowledge-base records read in a reply: the most useful line first, then the source.

Plain text only (no markdown): the same reply goes to the web widget, SMS and messaging apps.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from knowledge.content import LETTERS
from knowledge.schema import Answer, Hotline, Law, Publication, Scenario, StateReportingLine

SCREEN = 600  # characters: about one phone screen
LINES_SHOWN = 2  # lines an answer offers as its next step, so they stay on the first screen
# not inside "P.L. 117-348", nor after "U.S." in "the U.S. Virgin Islands"
SENTENCE_END = re.compile(r"(?<=[.!?])(?<![A-Z]\.[A-Z]\.)\s+(?=[A-Z\"(])")


def split_for_screen(text: str, limit: int = SCREEN) -> tuple[str, str]:
    """The first screenful of `text` and the rest ("" when it all fits): whole lines, then of a paragraph
    too long for the room left, the sentences that fit (a long law's name must not leave its summary for
    the next screen). A heading ("What it means for child welfare:", "To read more:") goes with what it
    introduces, never last on a screen."""
    if len(text) <= limit:
        return text, ""
    lines = text.split("\n")
    first: list[str] = []

    def fits(line: str) -> bool:
        return len("\n".join([*first, line])) <= limit

    while lines and (not first or fits(lines[0])):
        first.append(lines.pop(0))
    if lines and not lines[0].startswith("- "):  # a list item stays whole
        sentences = SENTENCE_END.split(lines[0])
        taken: list[str] = []
        while len(sentences) > 1 and fits(" ".join([*taken, sentences[0]])):
            taken.append(sentences.pop(0))
        if taken:
            first.append(" ".join(taken))
            lines[0] = " ".join(sentences)
    while lines and len(first) > 1 and first[-1].endswith(":"):
        lines.insert(0, first.pop())
    return "\n".join(first), "\n".join(lines)


def _join(parts: Iterable[str | None], separator: str = " ") -> str:
    return separator.join(p for p in parts if p)


def _dialed(phone: str | None, vanity: str | None) -> str | None:
    if not phone:
        return None
    return f"{phone} ({vanity})" if vanity else phone


def _ways(h: Hotline) -> list[str]:
    ways = [
        f"call {_dialed(h.phone, h.vanity)}" if h.phone else None,
        f"text {h.text}" if h.text else None,
        f"TTY {h.tty}" if h.tty else None,
        f"online at {h.web}" if h.web else None,
    ]
    return [w for w in ways if w]


def hotline(h: Hotline) -> str:
    """One line a person can act on: how to reach it, when, and what it is (and is not) for."""
    return _join([f"{h.name}: {', '.join(_ways(h))} ({h.hours}).", f"For {_lower_first(h.use_for)}", h.not_for])


def next_step(h: Hotline) -> str:
    """A line an answer offers as its next step, in one short line: the name and how to reach it."""
    return f"Next step: {h.name}, {' or '.join(_ways(h)[:2])}."


def _lower_first(sentence: str) -> str:
    sentence = sentence.rstrip(".") + "."
    return sentence[:1].lower() + sentence[1:] if not sentence[:2].isupper() else sentence


def source(name: str | None, url: str, checked: object) -> str:
    return f"Source: {_join([name, url], ', ')} (checked {checked})."


def state_line(line: StateReportingLine) -> str:
    """One message: what to do (for a state without a statewide line, `how_to_report` says so, once),
    the local lines given as examples and the other numbers that text does not already give, then the
    official page and the source (one line when they are the same page)."""
    if not line.phone or line.phone in line.how_to_report:  # the content says what to call, in context
        head = f"To report child abuse or neglect in {line.name}:"
    else:
        head = f"To report child abuse or neglect in {line.name}, call {_dialed(line.phone, line.vanity)}."
    unsaid = [n for n in line.other_numbers if n["phone"] not in line.how_to_report]  # said once, not twice
    examples = [f"{n['label']}: {n['phone']}" for n in unsaid if n.get("example")]
    others = [f"{n['label']}: {n['phone']}" for n in unsaid if not n.get("example")]
    same_page = line.official_url == line.source_url
    caveat = confidence_caveat(line, same_page)  # names the official page on the first screen
    return _join(
        [
            head,
            caveat,
            f"Hours: {line.hours}." if line.hours and line.phone else None,
            line.how_to_report,
            f"Local lines, for example: {'; '.join(examples)}." if examples else None,
            f"Other numbers: {'; '.join(others)}." if others else None,
            f"Report online (non-emergency): {line.web_report_url}" if line.web_report_url else None,
            f"Official page: {line.official_url}" if line.official_url and not caveat and not same_page else None,
            source("the official page" if same_page else None, line.source_url, line.last_verified),
        ],
        "\n",
    )


# How sure the vetted reference is of a state's line (state-reporting-numbers.csv, confidence)
CAVEATS = {
    "medium": "Please double-check: the sources for {name}'s line are less certain than for most states.",
    "low": "Please double-check: {name}'s line could not be confirmed in our sources.",
}


def confidence_caveat(line: StateReportingLine, source_is_official: bool = False) -> str | None:
    """A short warning, and where to confirm, for a line the reference rates medium or low (the
    official page named once: when it is the source, the source line below names it)."""
    caveat = CAVEATS.get(line.confidence)
    if caveat is None:
        return None
    if source_is_official:
        below = "Please double-check on the official page below:"
        return caveat.format(name=line.name).replace("Please double-check:", below)
    if line.official_url:
        where = f"Confirm it on the official page: {line.official_url}"
    else:
        where = "Confirm it with the agency before you rely on it."
    return f"{caveat.format(name=line.name)} {where}"


def law(item: Law) -> str:
    """The law, what it does, its duties for child welfare and its source (kept on the first screen by
    utter_paged); a summary page that is the source page is not named twice."""
    label = _join([item.short_name, item.citation, item.date], ", ")
    requirements = "\n".join(f"- {r}" for r in item.requirements)
    return _join(
        [f"{item.name} ({label})", item.summary, f"What it means for child welfare:\n{requirements}",
         f"Read more: {item.summary_url}" if item.summary_url != item.source_url else None,
         source(None, item.source_url, item.last_verified)],
        "\n",
    )


def answer(item: Answer, lines: Sequence[Hotline] = (), reading: Sequence[Publication] = ()) -> str:
    """The answer, the lines it offers as the next step (at most two, so they stay on the first
    screen), its points, publications to read next, and last its source (which utter_paged keeps on
    the first screen too)."""
    points = "\n".join(f"- {p}" for p in item.points)
    steps = "\n".join(next_step(h) for h in lines[:LINES_SHOWN])
    listing = "\n".join(publication(p, n) for n, p in enumerate(reading, 1))
    more = f"To read more:\n{listing}" if listing else None
    return _join([item.summary, steps, points, more, source(item.source, item.source_url, item.last_verified)], "\n")


def publication(item: Publication, number: int) -> str:
    year = f", {item.year}" if item.year else ""
    return f"{number}. {item.title} ({item.publisher}{year})\n{item.url}"


def entry_source(entry: Answer | Hotline | Law | Publication) -> str:
    """The source line of the entry a quiz question or drill comes from: what it is, and the page it was
    checked against on the date shown (the pages to read are in read_next)."""
    if isinstance(entry, Law):
        return source(f"{entry.short_name or entry.name} ({entry.citation})", entry.source_url, entry.last_verified)
    if isinstance(entry, Publication):
        return source(f"{entry.title} ({entry.publisher})", entry.source_url, entry.last_verified)
    if isinstance(entry, Answer):
        return source(entry.source, entry.source_url, entry.last_verified)
    return source(entry.name, entry.source_url, entry.last_verified)


def read_next(entry: Answer | Hotline | Law | Publication) -> str:
    """One line naming where to read more about what a missed question was about."""
    if isinstance(entry, Law):
        return f"{entry.name}: {entry.summary_url}"
    if isinstance(entry, Publication):
        return f"{entry.title}: {entry.url}"
    if isinstance(entry, Answer):
        return f"{entry.title} ({entry.source}): {entry.source_url}"
    return f"{entry.name}: {entry.web or entry.source_url}"


def option(letter: str, text: str) -> str:
    return f"{letter}) {text}"


def options(item: Scenario, order: Sequence[int]) -> str:
    """A question's options lettered in the order shown (`order`: indexes into its options)."""
    return "\n".join(option(letter, item.options[i]) for letter, i in zip(LETTERS, order, strict=False))


def scenario(item: Scenario, number: int, total: int, order: Sequence[int]) -> str:
    return f"Question {number} of {total} ({item.difficulty}):\n{item.question}\n{options(item, order)}"
