"""The actions' only door to the knowledge base: small, read-only queries returning schema records."""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from time import monotonic
from typing import Any, Callable, Dict, Iterator, List, ParamSpec, Sequence, TypeVar

import numpy as np
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.content import GENERAL_ANSWERS
from knowledge.db import make_engine
from knowledge.dialogue_names import UNAVAILABLE
from knowledge.ranking import AnswerIndex
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
Source = Law | Publication | Answer | Hotline  # what a scenario or drill names as where its facts come from
SOURCE_TABLES: dict[str, type[Source]] = {"law": Law, "publication": Publication, "answer": Answer, "hotline": Hotline}
# Answer ranking (rank_answers): the full-text search's weight beside knowledge/ranking.py's
# similarities, and the nudges from the classifier's intent and entities (docs/EVALUATION.md).
# A topic's general answer (answers.yml) is nudged too: "what are the signs?" names no setting, and
# should not get the signs at school because that answer's phrasings also say "what are the signs".
FULL_TEXT, TOPIC_NUDGE, GENERAL_NUDGE, GENERIC_NUDGE, SUBTOPIC_NUDGE = 1.0, 0.15, 0.2, 1.0, 0.1
logger = logging.getLogger(__name__)
Record = TypeVar("Record", bound=Base)
AnAction = TypeVar("AnAction", bound=Action)
Run = Callable[[AnAction, CollectingDispatcher, Tracker, Dict[str, Any]], List[Dict[str, Any]]]  # an action's `run`
Params = ParamSpec("Params")
Result = TypeVar("Result")
# The session of the action running now (KnowledgeBase.one_session), if it opened one
_action_session: ContextVar[Session | None] = ContextVar("knowledge_session", default=None)


@dataclass(frozen=True)
class Ranked:
    answer: Answer
    score: float  # what the ranking orders by
    fit: float  # the similarity alone (knowledge/ranking.py): how well the answer fits, whatever else ranks


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

        self._answer_index: AnswerIndex | None = None

    def get(self, entity: type[Record], *key: Any) -> Record | None:
        return self.by_key.get(entity, {}).get(key)

    def answer_index(self) -> AnswerIndex:
        """The answers' similarity index, built on first use (a few hundred milliseconds)."""
        if self._answer_index is None:
            self._answer_index = AnswerIndex(self.answers, GENERAL_ANSWERS)
        return self._answer_index


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
            # the content version read less than VERSION_CHECK_SECONDS ago, if any
            recent = self._version if self._version and started - self._version[1] < VERSION_CHECK_SECONDS else None
            if recent:
                assume_content_version(session, recent[0])
            yield session
            # Otherwise read in the block only if something there needed a record: an action that needs
            # none (a quiz that never started, finished) makes no round trip, and works with the database down.
            version = content_version_if_read(session)
            if not recent and version is not None:
                self._version = (version, started)

    @contextmanager
    def one_session(self) -> Iterator[None]:
        """Run every query inside the block in one session: one connection taken from the pool and
        the content version read at most once. On PostgreSQL each checkout and query is a round trip.
        An action run by another (action_follow_up runs the one a follow-up continues) stays in its
        caller's session."""
        if _action_session.get() is not None:
            yield
            return
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

    def rank_answers(self, question: str, topics: Sequence[str] = (), subtopics: Sequence[str] = (),
                     limit: int = 10) -> list[Ranked]:
        """The `limit` answers of the bank that fit the question best, best first (only answers that
        share anything with it).

        The question's similarity to each answer (knowledge/ranking.py), plus the full-text search's
        bm25 rank scaled to its best hit, plus small nudges from the classifier: answers on the
        topics its intent stands for (their general answers more, and more still when the question
        names nothing else), and answers on a subtopic the message names. The bm25 part is
        relative (the best hit always gets the same), so how well an answer fits is read from the
        similarity alone (`fit`)."""
        index = self._records().answer_index()
        fits = index.similarity(question)
        scores = fits.copy()
        with self._session() as session:
            query = parse_query(session, question)
            hits = search(session, question, kinds=("answer",), limit=len(index.answers), query=query)
        best_hit = max((h.score for h in hits), default=0.0)
        for hit in hits:
            if best_hit > 0 and hit.key in index.position:
                scores[index.position[hit.key]] += FULL_TEXT * hit.score / best_hit
        shares = np.flatnonzero(scores > 0)  # answers sharing anything with the question
        on_topic = np.isin(index.topics, list(topics))
        # "what are the red flags?", "who is at risk?": nothing beyond the intent's own topic, so the
        # topic's general answer, not the one whose phrasing happens to say "red flags" too
        generic = not query.free_terms and set(query.topics) <= set(topics)
        nudge = TOPIC_NUDGE + GENERAL_NUDGE * index.general + GENERIC_NUDGE * generic * index.first_of_topic
        scores += on_topic * nudge
        if subtopics:
            named = np.array([bool(set(subtopics) & set(a.subtopics)) for a in index.answers])
            scores += SUBTOPIC_NUDGE * named
        order = sorted(shares, key=lambda i: (-scores[i], i))[:limit]
        return [Ranked(index.answers[i], round(float(scores[i]), 4), round(float(fits[i]), 4)) for i in order]

    def answer(self, key: str) -> Answer | None:
        return self._records().get(Answer, key)

    def says_more_than(self, words: str, generic: set[str]) -> bool:
        """Does the text name anything to search for beyond `generic` words?"""
        with self._session() as session:
            query = parse_query(session, words)
        return bool(query.topics or query.audiences or query.types or set(query.free_terms) - generic)

    def publications(self, keys: Sequence[str]) -> list[Publication]:
        return self._each(Publication, keys)

    def hotlines(self, keys: Sequence[str]) -> list[Hotline]:
        return self._each(Hotline, keys)

    def _each(self, entity: type[Record], keys: Sequence[str]) -> list[Record]:
        """The entries of `keys`, in that order, leaving out keys the knowledge base does not have."""
        records = self._records()
        return [r for r in (records.get(entity, k) for k in keys) if r is not None]

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

    def hotline(self, key: str) -> Hotline | None:
        return self._records().get(Hotline, key)

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

    def entry(self, kind: str, key: str) -> Source:
        """The entry a scenario or drill names as its source (kind: law | publication | answer | hotline),
        which the content's validation makes sure exists."""
        entry = self._records().get(SOURCE_TABLES[kind], key)
        # not there: None (the isinstance also tells mypy the type: for one of several tables it infers `object`)
        if not isinstance(entry, (Law, Publication, Answer, Hotline)):
            raise LookupError(f"the knowledge base has no {kind} {key!r}")
        return entry


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base at KB_DATABASE_URL, shared by every action in this process."""
    return KnowledgeBase(make_engine(autocommit=True))  # the actions only read, a query at a time


def reads_in_one_session(reads: Callable[Params, Result]) -> Callable[Params, Result]:
    """`reads` (an action's `run`, a form's `validate_<slot>`) with every knowledge-base query it makes
    in one session. Used alone on a form's validation, a knowledge base that cannot be reached is left
    to Rasa's side (bot/action_fallback.py), which sends the hotline message."""

    @functools.wraps(reads)
    def in_one_session(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        with knowledge_base().one_session():
            return reads(*args, **kwargs)

    return in_one_session


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


def graceful_when_unreachable(run: Run[AnAction]) -> Run[AnAction]:
    """An action's `run` that reads the knowledge base in one session and, when the knowledge base
    cannot be reached, says so with the hotline instead of failing (which would leave the user with
    no answer)."""
    in_one_session = reads_in_one_session(run)

    @functools.wraps(run)
    def guarded(action: AnAction, dispatcher: CollectingDispatcher, tracker: Tracker,
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

    return guarded

