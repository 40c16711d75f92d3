"""The actions' only door to the knowledge base: small, read-only queries returning schema records."""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from time import monotonic
from typing import Any, Callable, Dict, Iterator, List, Sequence, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.content import GENERAL_ANSWERS
from knowledge.db import make_engine
from knowledge.language import analyse, content_lemmas
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
from knowledge.search import (
    Hit,
    assume_content_version,
    content_version,
    content_version_if_read,
    parse_query,
    search,
)

# How long the actions go on with the content version they last read before reading it again: an
# editor's load reaches the answers within this time, and an answer from the records in memory makes no
# round trip to the database (on PostgreSQL the version read was a quarter of the action server's work).
VERSION_CHECK_SECONDS = 1.0
UNAVAILABLE = "utter_service_unavailable"  # the hotline message when the knowledge base cannot be reached
SOURCE_TABLES = {"law": Law, "publication": Publication, "answer": Answer, "hotline": Hotline}
logger = logging.getLogger(__name__)
Record = TypeVar("Record", bound=Base)
Run = TypeVar("Run", bound=Callable[[Any, CollectingDispatcher, Tracker, Dict[str, Any]], List[Dict[str, Any]]])
Reads = TypeVar("Reads", bound=Callable[..., Any])
# The session of the action running now (KnowledgeBase.one_session), if it opened one
_action_session: ContextVar[Session | None] = ContextVar("knowledge_session", default=None)


class _Records:
    """Every record the actions look up, as loaded at one content version.

    The knowledge base is a few hundred short entries that change only when an editor loads new
    content, and an answer looks up several of them: read once per version and kept here, they cost
    a dictionary look-up instead of a query (on PostgreSQL a round trip, and most of the action
    server's time). Full-text search, whose questions are as many as the people asking, still goes
    to the database. The records are shared between actions, which only read them."""

    def __init__(self, session: Session) -> None:
        def ordered(entity: type[Base], *order: Any) -> list[Any]:
            return list(session.execute(select(entity).order_by(*order)).scalars())

        self.laws: list[Law] = ordered(Law, Law.kind.desc(), Law.name)  # statutes, then guidance
        self.hotlines: list[Hotline] = ordered(Hotline, Hotline.name)
        self.answers: list[Answer] = ordered(Answer, Answer.position)
        self.terms: list[VocabularyTerm] = ordered(VocabularyTerm, VocabularyTerm.label)
        self.scenarios: list[Scenario] = ordered(Scenario, Scenario.position)
        self.drills: list[Drill] = ordered(Drill, Drill.position)
        everything = [*self.laws, *self.hotlines, *self.answers, *self.terms, *self.scenarios, *self.drills,
                      *ordered(Publication), *ordered(StateReportingLine)]
        # by class and primary key, as session.get finds them
        self.by_key: dict[type[Base], dict[tuple[Any, ...], Any]] = {}
        for record in everything:
            self.by_key.setdefault(type(record), {})[inspect(record).identity] = record

    def get(self, entity: type[Record], *key: Any) -> Record | None:
        return self.by_key.get(entity, {}).get(key)


class KnowledgeBase:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._loaded: tuple[str, _Records] | None = None  # (content version, its records)
        self._version: tuple[str, float] | None = None  # (the content version last read, when)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """The running action's session, or else a session for this one query."""
        session = _action_session.get()
        if session is not None:
            yield session
            return
        with self._new_session() as session:
            yield session

    @contextmanager
    def _new_session(self) -> Iterator[Session]:
        # Records stay readable after the session closes: the actions only read them.
        with Session(self._engine, future=True, expire_on_commit=False) as session:
            started = monotonic()
            recent = self._version is not None and started - self._version[1] < VERSION_CHECK_SECONDS
            if recent:
                assume_content_version(session, self._version[0])
            yield session
            # Otherwise read in the block only if something there needed a record: an action that needs
            # none (a quiz that never started, finished) makes no round trip, and works with the database down.
            version = content_version_if_read(session)
            if not recent and version is not None:
                self._version = (version, started)

    @contextmanager
    def one_session(self) -> Iterator[None]:
        """Run every query inside the block in one session: one connection taken from the pool and
        the content version read at most once. On PostgreSQL each checkout and query is a round trip."""
        with self._new_session() as session:
            token = _action_session.set(session)
            try:
                yield
            finally:
                _action_session.reset(token)

    def _records(self) -> _Records:
        """The records of the loaded content: read again only when a load changed the content."""
        with self._session() as session:
            version = content_version(session)
            if self._loaded is None or self._loaded[0] != version:
                self._loaded = (version, _Records(session))
            return self._loaded[1]

    def law(self, key: str) -> Law | None:
        return self._records().get(Law, key)

    def laws(self) -> list[Law]:
        return list(self._records().laws)

    def answers(self, *topics: str) -> list[Answer]:
        return [a for a in self._records().answers if a.topic in topics]

    def best_answer(self, topics: Sequence[str], question: str, subtopics: Sequence[str] = ()) -> Answer | None:
        """The answer on `topics` that best fits the question: the first topic is the question's, the
        others hold answers to the same kind of question (a myth corrected is a definition).

        A question worded as an answer says it is asked (an asked_as phrasing: the same content words
        in the same order) gets that answer. Then a subtopic the user named decides: its general answer (in
        answers.yml), or else the best match among its answers. Then words of the question, beyond
        vocabulary phrases, that tell the candidates apart: found in some of them but not in most
        ("does a *minor* have to be *forced*"; not "trafficking", which most share). With neither,
        the first topic's general answer, its first in answers.yml."""
        candidates = self.answers(*topics)
        asked = tuple(content_lemmas(analyse(question)))
        for answer in candidates:
            if any(_lemmas(phrasing) == asked for phrasing in answer.asked_as):
                return answer
        for subtopic in subtopics:
            named = [a for a in candidates if subtopic in a.subtopics]
            general = next((a for a in named if a.file == GENERAL_ANSWERS), None)
            if named:
                return general or self._best_match(named, question) or named[0]
        with self._session() as session:
            clues = frozenset(parse_query(session, question).free_terms)
        general = next((a for a in candidates if a.topic == topics[0] and a.file == GENERAL_ANSWERS), None)
        return self._telling_match(candidates, clues, question) or general or next(iter(candidates), None)

    def _telling_match(self, candidates: Sequence[Answer], clues: frozenset[str], question: str) -> Answer | None:
        """The candidate the full-text search ranks first for the question, when the question has
        words that tell the candidates apart: found in some of them but not in most."""
        words_of = [_words(" ".join([a.title, *a.asked_as, a.summary, *a.points])) for a in candidates]
        if not any(0 < sum(c in words for words in words_of) <= len(candidates) // 2 for c in clues):
            return None
        return self._best_match(candidates, question)

    def _best_match(self, candidates: Sequence[Answer], question: str) -> Answer | None:
        """The candidate the full-text search ranks first for the question, if it finds any."""
        by_key = {a.key: a for a in candidates}
        return next((by_key[hit.key] for hit in self.search(question, kinds=("answer",), limit=50)
                     if hit.key in by_key), None)

    def says_more_than(self, words: str, generic: set[str]) -> bool:
        """Does the text name anything to search for beyond `generic` words?"""
        with self._session() as session:
            query = parse_query(session, words)
        return bool(query.topics or query.audiences or query.types or set(query.free_terms) - generic)

    def publications(self, keys: Sequence[str]) -> list[Publication]:
        records = self._records()
        return [p for p in (records.get(Publication, k) for k in keys) if p is not None]

    def find_publications(self, words: str, *, topic: str | None = None, audience: str | None = None,
                          pub_type: str | None = None, offset: int = 0, limit: int = 3) -> list[Publication]:
        with self._session() as session:
            hits = search(session, words, kinds=("publication",), topic=topic, audience=audience,
                          pub_type=pub_type, offset=offset, limit=limit)
        return self.publications([hit.key for hit in hits])

    def hotlines_for(self, situation: str) -> list[Hotline]:
        """The lines for a situation, those for immediate danger (911) first, then by name."""
        lines = [h for h in self._records().hotlines if situation in h.situations]
        return sorted(lines, key=lambda h: "immediate_danger" not in h.situations)

    def state_line(self, abbr: str) -> StateReportingLine | None:
        return self._records().get(StateReportingLine, abbr.upper())

    def terms(self, facet: str) -> list[VocabularyTerm]:
        return [t for t in self._records().terms if t.facet == facet]

    def label(self, facet: str, key: str | None) -> str | None:
        term = self._records().get(VocabularyTerm, facet, key) if key else None
        return term.label if term else None

    def scenarios(self) -> list[Scenario]:
        return list(self._records().scenarios)

    def scenario(self, key: str) -> Scenario | None:
        return self._records().get(Scenario, key)

    def drills(self) -> list[Drill]:
        return list(self._records().drills)

    def drill(self, key: str) -> Drill | None:
        return self._records().get(Drill, key)

    def entry(self, kind: str, key: str) -> Law | Publication | Answer | Hotline | None:
        """The entry a scenario or drill names as its source (kind: law | publication | answer | hotline)."""
        return self._records().get(SOURCE_TABLES[kind], key)

    def search(self, words: str, *, kinds: Sequence[str], limit: int = 3) -> list[Hit]:
        with self._session() as session:
            return search(session, words, kinds=kinds, limit=limit)


@lru_cache(maxsize=4096)
def _lemmas(text: str) -> tuple[str, ...]:
    """Content lemmas, in order, of an answer's text or one of its asked_as phrasings; answers change
    only on reload, so each is analysed once."""
    return tuple(content_lemmas(analyse(text)))


def _words(text: str) -> frozenset[str]:
    return frozenset(_lemmas(text))


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base at KB_DATABASE_URL, shared by every action in this process."""
    return KnowledgeBase(make_engine(autocommit=True))  # the actions only read, a query at a time


def reads_in_one_session(reads: Reads) -> Reads:
    """`reads` (an action's `run`, a form's `validate_<slot>`) with every knowledge-base query it makes
    in one session. Used alone on a form's validation, a knowledge base that cannot be reached is left
    to Rasa's side (bot/action_fallback.py), which sends the hotline message."""

    @functools.wraps(reads)
    def in_one_session(*args: Any, **kwargs: Any) -> Any:
        with knowledge_base().one_session():
            return reads(*args, **kwargs)

    return in_one_session  # type: ignore[return-value]


def unavailable_said_this_turn(tracker: Tracker, domain: Dict[str, Any]) -> bool:
    """Whether the hotline message for an unreachable knowledge base went out since the person's latest
    message: a quiz's first turn runs three actions, and the person needs it once."""
    texts = {variant.get("text") for variant in domain.get("responses", {}).get(UNAVAILABLE, [])}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and event.get("text") in texts:
            return True
    return False


def graceful_when_unreachable(run: Run) -> Run:
    """An action's `run` that reads the knowledge base in one session and, when the knowledge base
    cannot be reached, says so with the hotline instead of failing (which would leave the user with
    no answer)."""
    in_one_session = reads_in_one_session(run)

    @functools.wraps(run)
    def guarded(action: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        try:
            try:
                return in_one_session(action, dispatcher, tracker, domain)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # The database restarted since the pooled connections were opened: SQLAlchemy has
                # dropped them all, and the actions only read, so running again is safe.
                dispatcher.messages.clear()
                return in_one_session(action, dispatcher, tracker, domain)
        except SQLAlchemyError as error:
            logger.error("%s: knowledge base unreachable (%s)", action.name(), type(error).__name__)
            dispatcher.messages.clear()  # nothing half-said
            if not unavailable_said_this_turn(tracker, domain):
                dispatcher.utter_message(response=UNAVAILABLE)
            return []

    return guarded  # type: ignore[return-value]

