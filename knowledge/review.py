"""Which entries are due for re-checking against their source: `python -m knowledge review`.

`last_verified` is the day an entry was last checked against its `source_url`, and the date the
assistant shows ("checked 2026-11-24"). The review lists the entries checked longest ago first,
each with where it is, the page to check it on and what in it to check, so an editor can work down
the list; a scheduled run fails when any entry is past the hard limit (knowledge/CONTENT.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator

from knowledge.content import Content
from knowledge.schema import Answer, Hotline, Law, Publication, StateReportingLine

# Phone lines, operators and laws change without notice (the trafficking hotline changed operator in
# September 2025, 988's LGBTQ+ option ended in July 2025): each entry is due every quarter, and a
# review fails once any entry has gone half a year unchecked.
DUE_DAYS = 90
FAIL_DAYS = 180

Dated = Hotline | Law | Publication | Answer | StateReportingLine


@dataclass(frozen=True)
class Due:
    """An entry to re-check against its source."""

    file: str
    line: int
    label: str  # "hotline nhth: National Human Trafficking Hotline"
    last_verified: date
    age: int  # days since last_verified; negative for a date after today
    source_url: str
    check: str  # what in the entry to check against the source
    overdue: bool  # past the hard limit, or dated after today


def _dated(content: Content) -> Iterator[tuple[str, str, str, Dated]]:
    """(top-level list, kind, key, record) of every entry that carries a last_verified date."""
    yield from (("hotlines", "hotline", h.key, h) for h in content.hotlines)
    yield from (("laws", "law", law.key, law) for law in content.laws)
    yield from (("publications", "publication", p.key, p) for p in content.publications)
    yield from (("answers", "answer", a.key, a) for a in content.answers)
    yield from (("state_reporting_lines", "state line", s.abbr, s) for s in content.state_lines)


def _title(record: Dated) -> str:
    title: str = record.title if isinstance(record, (Publication, Answer)) else record.name  # required columns
    return title


def _listed(parts: list[str | None]) -> str:
    return "; ".join(p for p in parts if p)


def what_to_check(record: Dated) -> str:
    """The facts in an entry that its source must still state, with the values the assistant gives."""
    if isinstance(record, Hotline):
        return _listed([
            f"operator ({record.operator})",
            f"phone {record.phone}" + (f" ({record.vanity})" if record.vanity else "") if record.phone else None,
            f"text {record.text}" if record.text else None,
            f"TTY {record.tty}" if record.tty else None,
            f"email {record.email}" if record.email else None,
            f"web {record.web}" if record.web else None,
            f"hours ({record.hours})",
            f"languages ({record.languages})" if record.languages else None,
            "what it is for" + (" and not for" if record.not_for else ""),
        ])
    if isinstance(record, Law):
        return _listed([
            f"citation ({record.citation})",
            f"date ({record.date})" if record.date else None,
            "the summary",
            f"the {len(record.requirements)} requirements",
            f"the read-more page {record.summary_url}" if record.summary_url != record.source_url else None,
        ])
    if isinstance(record, Publication):
        return _listed([
            "title and publisher",
            f"year ({record.year})" if record.year else None,
            f"link {record.url}" if record.url != record.source_url else "the link still opens it",
            "the description",
        ])
    if isinstance(record, Answer):
        return _listed([
            "the summary" + (f" and the {len(record.points)} points" if record.points else ""),
            f"as stated by {record.source}",
            "that the evidence quoted is still on the page" if record.evidence else None,
            f"the publications it points to ({', '.join(record.publications)})" if record.publications else None,
        ])
    others = [f"{n['label']} {n['phone']}" for n in record.other_numbers]
    return _listed([
        f"phone {record.phone}" + (f" ({record.vanity})" if record.vanity else "") if record.phone
        else "that there is still no statewide line",
        f"other numbers ({'; '.join(others)})" if others else None,
        f"hours ({record.hours})" if record.hours else None,
        "how to report",
        f"online reporting {record.web_report_url}" if record.web_report_url else None,
        f"official page {record.official_url}" if record.official_url else None,
        f"confidence ({record.confidence})",
    ])


def due(content: Content, today: date, older_than: int = DUE_DAYS, fail_after: int = FAIL_DAYS) -> list[Due]:
    """Entries last checked more than `older_than` days before `today` (and any past `fail_after`,
    or dated after today), the longest unchecked first."""
    found = []
    for section, kind, key, record in _dated(content):
        age = (today - record.last_verified).days
        overdue = age > fail_after or age < 0
        if age > older_than or overdue:
            place = content.places[section, key]
            found.append(Due(place.file, place.line, f"{kind} {key}: {_title(record)}", record.last_verified, age,
                             record.source_url, what_to_check(record), overdue))
    return sorted(found, key=lambda d: (d.last_verified, d.file, d.line))


def review(content: Content, today: date, older_than: int = DUE_DAYS,
           fail_after: int = FAIL_DAYS) -> tuple[str, bool]:
    """What an editor reads (a summary line, then each entry due with where it is and what to check),
    and whether any entry is past the hard limit."""
    items = due(content, today, older_than, fail_after)
    total = sum(1 for _ in _dated(content))
    if not items:
        return f"All {total} entries were checked in the {older_than} days before {today}.", False
    overdue = sum(d.overdue for d in items)
    lines = [f"{len(items)} of {total} entries are due for re-checking (last checked more than {older_than} days "
             f"before {today}); {overdue} past the {fail_after}-day limit."]
    for d in items:
        when = f"dated after {today}: a mistake?" if d.age < 0 else f"{d.age} days ago"
        lines += ["", f"{'OVERDUE ' if d.overdue else ''}{d.file}:{d.line}: {d.label}",
                  f"  last checked {d.last_verified} ({when})",
                  f"  source: {d.source_url}",
                  f"  check: {d.check}"]
    return "\n".join(lines), overdue > 0
