"""Read and validate the YAML content files into schema records.

Validation collects every problem (file, line, entry, message) before anything is loaded, so an
editor sees all mistakes at once and a bad file never reaches the database.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence, TypeVar
from urllib.parse import urlparse

import yaml

from knowledge.schema import (
    Answer,
    Base,
    Drill,
    Hotline,
    Law,
    Publication,
    Scenario,
    StateReportingLine,
    VocabularyTerm,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"
T = TypeVar("T")

PHONE = re.compile(r"^(1-)?[2-9]\d{2}-\d{3}-\d{4}$")
SHORT_CODES = {"911", "988", "711"}
KEY = re.compile(r"[a-z][a-z0-9_]*")
FACETS = ("topics", "audiences", "publication_types", "situations")
ANSWER_TOPICS = ("signs", "risk_factors", "prevention", "definitions", "prevention_month", "myths", "what_to_do",
                 "laws", "practice")
ASKED_AS = (3, 8)  # an answer lists 3 to 8 ways people ask its question
EVIDENCE_MAX = 500  # characters: evidence is a short excerpt of the source, not a copy of the page
GENERAL_ANSWERS = "answers.yml"  # each topic's general answers, read first
ANSWERS_DIR = "answers"  # answers/*.yml: answers to one question each, in the same format
DIFFICULTIES = ("basic", "intermediate", "advanced")
LETTERS = "abcd"  # a scenario has 3 or 4 options, answered by letter
SOURCE_KINDS = ("law", "publication", "answer", "hotline")
FILES = (
    "vocabulary.yml",
    "hotlines.yml",
    "laws.yml",
    "publications.yml",
    "answers.yml",
    "state_reporting_lines.yml",
    "scenarios.yml",
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    entry: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.entry}: {self.message}" if self.entry else f"{where}: {self.message}"


class Place(NamedTuple):
    """Where an entry starts: its file (as in a Problem) and line."""

    file: str
    line: int


class ContentError(Exception):
    """The content has problems; nothing was loaded."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the knowledge content:\n{listing}")


@dataclass
class Content:
    """Validated content, ready to load or to teach the NLU its vocabulary."""

    vocabulary: dict[str, dict[str, VocabularyTerm]]  # facet -> key -> term
    hotlines: list[Hotline]
    laws: list[Law]
    publications: list[Publication]
    answers: list[Answer]
    state_lines: list[StateReportingLine]
    scenarios: list[Scenario]
    drills: list[Drill]
    content_hash: str
    # where each entry starts, by its top-level list and key: ("hotlines", "nhth") -> hotlines.yml, line 18
    places: dict[tuple[str, str], Place] = field(default_factory=dict)

    def records(self) -> list[Base]:
        terms: list[Base] = [t for facet in self.vocabulary.values() for t in facet.values()]
        return [*terms, *self.hotlines, *self.laws, *self.publications, *self.answers, *self.state_lines,
                *self.scenarios, *self.drills]


class _LineLoader(yaml.CSafeLoader):
    """A safe YAML loader that remembers the line of every mapping as `__line__`. On libyaml's parser: the
    pure-Python one took 1.5 s for the content, a second or more for every load, validation and test."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass
class _Entry:
    """Typed access to one YAML mapping that records a Problem for every bad or unknown field."""

    raw: Mapping[str, Any]
    file: str
    problems: list[Problem]
    section: str
    name: str = ""
    _seen: set[str] = field(default_factory=lambda: {"__line__"})

    @property
    def line(self) -> int:
        return int(self.raw.get("__line__", 0))

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, self.name, message))

    def _get(self, name: str, required: bool, kind: type[T], wanted: str,
             check: Callable[[T], bool] | None = None) -> T | None:
        """The field's value if it is a `kind` passing `check`; else None, with a Problem if required or wrong."""
        self._seen.add(name)
        value = self.raw.get(name)
        if value is None or value == "" or value == []:
            if required:
                self.problem(f"'{name}' is required")
            return None
        if not (isinstance(value, kind) and (check is None or check(value))):
            self.problem(f"'{name}' must be {wanted}, not {value!r}")
            return None
        return value

    def text(self, name: str, required: bool = True) -> str | None:
        value = self._get(name, required, object, "text", _is_text)
        return None if value is None else str(value).strip()

    def key(self, name: str = "key") -> str | None:
        return self.code(name, KEY.pattern, "a lower_snake_case key")

    def code(self, name: str, pattern: str, wanted: str) -> str | None:
        return self._get(name, True, str, wanted, lambda v: bool(re.fullmatch(pattern, v)))

    def integer(self, name: str, required: bool = False) -> int | None:
        return self._get(name, required, int, "a whole number", lambda v: not isinstance(v, bool))

    def boolean(self, name: str) -> bool | None:
        return self._get(name, True, bool, "true or false")

    def day(self, name: str = "last_verified") -> date | None:
        return self._get(name, True, date, "a date written YYYY-MM-DD")

    def url(self, name: str, required: bool = True) -> str | None:
        return self._get(name, required, str, "an http(s) URL", _is_url)

    def phone(self, name: str, required: bool = False) -> str | None:
        return self._get(name, required, str, "a phone number written like 1-800-422-4453 or a short code", _is_phone)

    def choice(self, name: str, options: Iterable[str]) -> str | None:
        allowed = tuple(options)
        return self._get(name, True, str, f"one of {', '.join(allowed)}", lambda v: v in allowed)

    def texts(self, name: str, required: bool = False) -> list[str]:
        value = self._get(name, required, list, "a list of texts", _is_text_list)
        return [str(v).strip() for v in value] if value else []

    def keys(self, name: str, allowed: Mapping[str, Any], what: str, required: bool = True) -> list[str]:
        values = self.texts(name, required)
        for unknown in [v for v in values if v not in allowed]:
            self.problem(f"'{name}' names unknown {what} '{unknown}' (known: {', '.join(sorted(allowed))})")
        return [v for v in values if v in allowed]

    def finish(self) -> None:
        for unknown in sorted(set(self.raw) - self._seen):
            self.problem(f"unknown field '{unknown}'")


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlparse(value)
    return parts.scheme in ("http", "https") and "." in parts.netloc


def _is_phone(value: Any) -> bool:
    return isinstance(value, str) and (bool(PHONE.match(value)) or value in SHORT_CODES)


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_text(v) for v in value)


def _entries(path: Path, section: str, problems: list[Problem], name: str = "") -> list[_Entry]:
    """The list of mappings under `section` in a file, as _Entry objects; `name` is how problems
    name the file (its file name unless given)."""
    name = name or path.name
    if not path.exists():
        problems.append(Problem(name, 0, "", "file is missing"))
        return []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(name, line, "", f"not valid YAML: {getattr(error, 'problem', error)}"))
        return []
    if not isinstance(data, dict) or not isinstance(data.get(section), list):
        problems.append(Problem(name, 1, "", f"must have a top-level list '{section}:'"))
        return []
    entries = []
    for item in data[section]:
        if isinstance(item, dict):
            entries.append(_Entry(item, name, problems, section))
        else:
            problems.append(Problem(name, 0, "", f"every item under '{section}' must be a mapping, not {item!r}"))
    return entries


def _unique(entries: list[_Entry], field_name: str, places: dict[tuple[str, str], Place]) -> list[_Entry]:
    """Name each entry by its key field, note where it starts and report duplicates; returns the
    entries in order."""
    seen: dict[str, int] = {}
    for entry in entries:
        entry.name = str(entry.raw.get(field_name, f"entry at line {entry.line}"))
        if entry.name in seen:
            entry.problem(f"duplicate {field_name} (first at line {seen[entry.name]})")
        seen.setdefault(entry.name, entry.line)
        places.setdefault((entry.section, entry.name), Place(entry.file, entry.line))
    return entries


def _read_vocabulary(path: Path, problems: list[Problem],
                     places: dict[tuple[str, str], Place]) -> dict[str, dict[str, VocabularyTerm]]:
    vocabulary: dict[str, dict[str, VocabularyTerm]] = {facet: {} for facet in FACETS}
    for facet in FACETS:
        for entry in _unique(_entries(path, facet, problems), "key", places):
            term = VocabularyTerm(
                facet=facet, key=entry.key(), label=entry.text("label"), synonyms=entry.texts("synonyms")
            )
            entry.finish()
            if term.key:
                vocabulary[facet][term.key] = term
    return vocabulary


def read_content(directory: Path = CONTENT_DIR) -> Content:
    """Read and validate every content file; raise ContentError listing all problems."""
    problems: list[Problem] = []
    places: dict[tuple[str, str], Place] = {}
    vocabulary = _read_vocabulary(directory / "vocabulary.yml", problems, places)
    topics, audiences = vocabulary["topics"], vocabulary["audiences"]

    hotlines = []
    for e in _unique(_entries(directory / "hotlines.yml", "hotlines", problems), "key", places):
        hotline = Hotline(
            key=e.key(), name=e.text("name"), operator=e.text("operator"), phone=e.phone("phone"),
            vanity=e.text("vanity", False), text=e.text("text", False), tty=e.text("tty", False),
            web=e.url("web", False), email=e.text("email", False), hours=e.text("hours"),
            languages=e.text("languages", False), use_for=e.text("use_for"), not_for=e.text("not_for", False),
            situations=e.keys("situations", vocabulary["situations"], "situation"),
            source_url=e.url("source_url"), last_verified=e.day(),
        )
        if not (hotline.phone or hotline.web or hotline.text):
            e.problem("needs at least one of 'phone', 'text' or 'web'")
        e.finish()
        hotlines.append(hotline)

    laws = []
    alias_owner: dict[str, str] = {}
    for e in _unique(_entries(directory / "laws.yml", "laws", problems), "key", places):
        law = Law(
            key=e.key(), kind=e.choice("kind", ("statute", "guidance")), name=e.text("name"),
            short_name=e.text("short_name", False), aliases=e.texts("aliases"), citation=e.text("citation"),
            date=e.text("date", False), summary=e.text("summary"), requirements=e.texts("requirements", True),
            topics=e.keys("topics", topics, "topic"), summary_url=e.url("summary_url"),
            source_url=e.url("source_url"), last_verified=e.day(),
        )
        for name in [law.name, law.short_name, *law.aliases]:
            if name and alias_owner.setdefault(name.lower(), e.name) != e.name:
                e.problem(f"name or alias '{name}' is already used by law '{alias_owner[name.lower()]}'")
        e.finish()
        laws.append(law)

    publications = []
    for e in _unique(_entries(directory / "publications.yml", "publications", problems), "key", places):
        publications.append(Publication(
            key=e.key(), title=e.text("title"), publisher=e.text("publisher"), year=e.integer("year"),
            first_published=e.integer("first_published"),
            type=e.choice("type", vocabulary["publication_types"]),
            audiences=e.keys("audiences", audiences, "audience"), topics=e.keys("topics", topics, "topic"),
            description=e.text("description"), url=e.url("url"), source_url=e.url("source_url"),
            last_verified=e.day(),
        ))
        e.finish()
    publication_keys = {p.key: p for p in publications}

    answers = _read_answers(directory, topics, audiences, publication_keys, {h.key: h for h in hotlines}, problems,
                            places)

    state_lines = []
    state_entries = _entries(directory / "state_reporting_lines.yml", "state_reporting_lines", problems)
    for e in _unique(state_entries, "abbr", places):
        line = StateReportingLine(
            abbr=e.code("abbr", r"[A-Z]{2}", "a two-letter USPS code"),
            name=e.text("name"), aliases=e.texts("aliases"), statewide=e.boolean("statewide"), phone=e.phone("phone"),
            vanity=e.text("vanity", False), other_numbers=_other_numbers(e),
            how_to_report=e.text("how_to_report"), hours=e.text("hours", False),
            official_url=e.url("official_url", False), web_report_url=e.url("web_report_url", False),
            confidence=e.choice("confidence", ("high", "medium", "low")), source_url=e.url("source_url"),
            evidence=e.text("evidence", False), last_verified=e.day(),
        )
        if line.evidence and len(line.evidence) > EVIDENCE_MAX:
            e.problem(f"'evidence' must be an excerpt of at most {EVIDENCE_MAX} characters, not {len(line.evidence)}")
        if line.statewide and not line.phone:
            e.problem("a statewide line needs 'phone'")
        if not (line.phone or line.other_numbers or line.official_url):
            e.problem("needs a 'phone', 'other_numbers' or an 'official_url' telling people where to report")
        e.finish()
        state_lines.append(line)

    sources = {"law": {law.key for law in laws}, "publication": set(publication_keys),
               "answer": {a.key for a in answers}, "hotline": {h.key for h in hotlines}}
    scenarios, drills = _read_training(directory / "scenarios.yml", topics, sources, problems, places)

    if problems:
        raise ContentError(problems)
    return Content(vocabulary, hotlines, laws, publications, answers, state_lines, scenarios, drills,
                   content_hash(directory), places)


def answer_files(directory: Path = CONTENT_DIR) -> list[Path]:
    """answers.yml, then answers/*.yml in name order: answers.yml's first answer of a topic stays its
    general answer."""
    return [directory / GENERAL_ANSWERS, *sorted((directory / ANSWERS_DIR).glob("*.yml"))]


def _read_answers(directory: Path, topics: Mapping[str, Any], audiences: Mapping[str, Any],
                  publications: Mapping[str, Any], hotlines: Mapping[str, Any],
                  problems: list[Problem], places: dict[tuple[str, str], Place]) -> list[Answer]:
    """Every answer file's answers; a key is unique across all of them."""
    first_at: dict[str, str] = {}  # key -> "file:line" of its first use
    asked_by: dict[str, str] = {}  # a phrasing, lowercased -> the key of the answer that lists it
    answers: list[Answer] = []
    for path in answer_files(directory):
        name = path.relative_to(directory).as_posix()
        for e in _unique(_entries(path, "answers", problems, name), "key", places):
            if e.name in first_at and first_at[e.name].split(":")[0] != name:
                e.problem(f"duplicate key (first at {first_at[e.name]})")
            first_at.setdefault(e.name, f"{name}:{e.line}")
            asked_as = e.texts("asked_as", required=True)
            if asked_as and not ASKED_AS[0] <= len(asked_as) <= ASKED_AS[1]:
                low, high = ASKED_AS
                e.problem(f"'asked_as' must list {low} to {high} ways people ask it, not {len(asked_as)}")
            for n, phrasing in enumerate(asked_as):
                owner = asked_by.setdefault(phrasing.lower(), e.name)
                if owner != e.name:
                    e.problem(f"'asked_as' phrasing {phrasing!r} is already listed by answer '{owner}'")
                elif phrasing.lower() in (p.lower() for p in asked_as[:n]):
                    e.problem(f"'asked_as' lists {phrasing!r} twice")
            evidence = e.text("evidence")
            if evidence and len(evidence) > EVIDENCE_MAX:
                e.problem(f"'evidence' must be an excerpt of at most {EVIDENCE_MAX} characters, not {len(evidence)}")
            answers.append(Answer(
                key=e.key(), position=len(answers), file=name, topic=e.choice("topic", ANSWER_TOPICS),
                subtopics=e.keys("subtopics", topics, "topic", required=False),
                audiences=e.keys("audiences", audiences, "audience", required=False), title=e.text("title"),
                asked_as=asked_as, summary=e.text("summary"), points=e.texts("points"), source=e.text("source"),
                source_url=e.url("source_url"), evidence=evidence,
                hotlines=e.keys("hotlines", hotlines, "hotline", required=False),
                publications=e.keys("publications", publications, "publication", required=False),
                last_verified=e.day(),
            ))
            e.finish()
    return answers


def _source(entry: _Entry, sources: Mapping[str, set[str]]) -> tuple[str | None, str | None]:
    """`source: kind:key`, naming an entry that exists in this knowledge base."""
    value = entry.code("source", r"[a-z]+:[a-z][a-z0-9_]*", "kind:key, e.g. law:pstsfa or answer:risk_factors")
    if value is None:
        return None, None
    kind, key = value.split(":")
    if kind not in sources:
        entry.problem(f"'source' kind '{kind}' must be one of {', '.join(SOURCE_KINDS)}")
        return None, None
    if key not in sources[kind]:
        entry.problem(f"'source' names unknown {kind} '{key}'")
        return None, None
    return kind, key


def _read_training(path: Path, topics: Mapping[str, Any], sources: Mapping[str, set[str]],
                   problems: list[Problem], places: dict[tuple[str, str], Place]) -> tuple[list[Scenario], list[Drill]]:
    """Quiz scenarios and drill questions; each names the knowledge-base entry its facts come from."""
    scenarios: list[Scenario] = []
    for e in _unique(_entries(path, "scenarios", problems), "key", places):
        options = e.texts("options", True)
        if options and not 3 <= len(options) <= len(LETTERS):
            e.problem(f"'options' must list 3 or 4 options, not {len(options)}")
        if len(set(o.lower() for o in options)) != len(options):
            e.problem("'options' must all be different")
        letter = e.code("answer", f"[{LETTERS}]", f"the letter of the correct option ({', '.join(LETTERS)})")
        if letter and options and LETTERS.index(letter) >= len(options):
            e.problem(f"'answer' is '{letter}' but there are only {len(options)} options")
            letter = None
        kind, key = _source(e, sources)
        scenarios.append(Scenario(
            key=e.key(), position=len(scenarios), topics=e.keys("topics", topics, "topic"),
            difficulty=e.choice("difficulty", DIFFICULTIES), question=e.text("question"), options=options,
            answer=LETTERS.index(letter) if letter else None, explanation=e.text("explanation"),
            source_kind=kind, source_key=key,
        ))
        e.finish()

    drills: list[Drill] = []
    for e in _unique(_entries(path, "drills", problems), "key", places):
        kind, key = _source(e, sources)
        drills.append(Drill(
            key=e.key(), position=len(drills), topics=e.keys("topics", topics, "topic"),
            question=e.text("question"), model_answer=e.text("model_answer"),
            key_terms=e.texts("key_terms", True), source_kind=kind, source_key=key,
        ))
        e.finish()
    return scenarios, drills


def _other_numbers(entry: _Entry) -> list[dict[str, Any]]:
    numbers = entry._get("other_numbers", False, list, "a list of {label, phone}")
    result = []
    for item in numbers or []:
        if (isinstance(item, dict) and isinstance(item.get("label"), str) and _is_phone(item.get("phone"))
                and isinstance(item.get("example", False), bool)):
            number = {"label": item["label"].strip(), "phone": item["phone"]}
            if item.get("example"):
                number["example"] = True  # one local line among many (a county's), given as an example
            result.append(number)
        else:
            line = item.get("__line__", entry.line) if isinstance(item, dict) else entry.line
            entry.problems.append(Problem(entry.file, line, entry.name,
                                          "each of 'other_numbers' needs a 'label' and a 'phone' like 1-800-422-4453 "
                                          "(and optionally 'example: true')"))
    return result


def content_hash(directory: Path = CONTENT_DIR) -> str:
    digest = hashlib.sha256()
    answers = [path.relative_to(directory).as_posix() for path in answer_files(directory)[1:]]
    for name in [*FILES, *answers]:
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()
