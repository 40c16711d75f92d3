"""Ranked full-text search over the knowledge base.

The query is normalized with spaCy the same way documents were at load time: content-word lemmas,
plus one tag word for every vocabulary phrase it mentions ("CSEC" and "commercial sexual
exploitation" both add the sex-trafficking tag). SQLite ranks with FTS5's bm25, PostgreSQL with
ts_rank over a weighted tsvector; ties are broken by title and key so the order is deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from knowledge.language import VocabularyMatcher, analyse, content_lemmas, tag_token
from knowledge.schema import LoadInfo, VocabularyTerm
from knowledge.tagging import TAG_FACETS, vocabulary_matcher

KINDS = ("publication", "answer", "law", "hotline")
_matchers: dict[str, VocabularyMatcher] = {}
_VERSION = "content_hash"  # where a session keeps the content version


@dataclass(frozen=True)
class Query:
    terms: tuple[str, ...]
    free_terms: tuple[str, ...] = ()  # lemmas outside any vocabulary phrase: what the question adds
    topics: tuple[str, ...] = ()  # vocabulary terms the text mentions
    audiences: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    title: str
    score: float


def content_version(session: Session) -> str:
    """The hash of the loaded content (knowledge/content.py), read once per session unless the session
    was given it (`assume_content_version`): what is built from the content is built again when a load
    changes it."""
    if _VERSION not in session.info:
        session.info[_VERSION] = session.execute(select(LoadInfo.content_hash)).scalar_one_or_none() or ""
    return str(session.info[_VERSION])


def assume_content_version(session: Session, version: str) -> None:
    """Let the session use a content version read moments ago instead of reading it again."""
    session.info[_VERSION] = version


def content_version_if_read(session: Session) -> str | None:
    """The content version the session read or was given, or None if it needed none."""
    version = session.info.get(_VERSION)
    return None if version is None else str(version)


def _matcher(session: Session) -> VocabularyMatcher:
    """The vocabulary matcher for the loaded content, built once per content version."""
    version = content_version(session)
    if version not in _matchers:
        _matchers.clear()
        _matchers[version] = vocabulary_matcher(session.execute(select(VocabularyTerm)).scalars())
    return _matchers[version]


def parse_query(session: Session, words: str) -> Query:
    doc = analyse(words)
    matches = _matcher(session).find(doc)
    lemmas = content_lemmas(doc)
    terms = dict.fromkeys(lemmas)  # ordered, unique
    terms.update(dict.fromkeys(tag_token(TAG_FACETS[m.facet], m.key) for m in matches))
    matched = {lemma for m in matches for lemma in content_lemmas(doc.char_span(m.start, m.end) or doc[0:0])}
    by_facet = {facet: tuple(dict.fromkeys(m.key for m in matches if m.facet == facet)) for facet in TAG_FACETS}
    return Query(tuple(terms), tuple(dict.fromkeys(t for t in lemmas if t not in matched)),
                 by_facet["topics"], by_facet["audiences"], by_facet["publication_types"])


def search(
    session: Session,
    words: str,
    *,
    kinds: Sequence[str] = KINDS,
    topic: str | None = None,
    audience: str | None = None,
    pub_type: str | None = None,
    limit: int = 3,
    offset: int = 0,
    query: Query | None = None,
) -> list[Hit]:
    """The best matches for `words`, optionally filtered; without words, every match of the filters.
    `query` is `words` already parsed (parse_query), by a caller that needs it too."""
    query = query or parse_query(session, words)
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    filters = [f"d.kind IN ({', '.join(f':kind{i}' for i in range(len(kinds)))})"]
    params.update({f"kind{i}": kind for i, kind in enumerate(kinds)})
    for facet, value in (("topic", topic), ("audience", audience)):
        if value:
            filters.append(
                f"EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id "
                f"AND t.facet = '{facet}' AND t.key = :{facet})"
            )
            params[facet] = value
    if pub_type:
        filters.append("d.pub_type = :pub_type")
        params["pub_type"] = pub_type

    dialect = session.get_bind().dialect.name
    if not query.terms:
        source, score = "documents d", "0.0"
    elif dialect == "sqlite":
        source = "documents_fts JOIN documents d ON d.id = documents_fts.rowid"
        score = "-bm25(documents_fts, 4.0, 3.0, 1.0, 2.0)"  # title, asked_as, body, tags
        filters.append("documents_fts MATCH :match")
        params["match"] = " OR ".join(f'"{term}"' for term in query.terms)
    elif dialect == "postgresql":
        source = "documents d"
        score = "ts_rank(d.search_vector, to_tsquery('simple', :match))"
        filters.append("d.search_vector @@ to_tsquery('simple', :match)")
        params["match"] = " | ".join(query.terms)
    else:
        raise RuntimeError(f"search supports SQLite and PostgreSQL, not {dialect}")

    sql = (
        f"SELECT d.kind, d.key, d.title, {score} AS score FROM {source} "
        f"WHERE {' AND '.join(filters)} ORDER BY score DESC, d.title, d.key LIMIT :limit OFFSET :offset"
    )
    rows = session.execute(text(sql), params)
    return [Hit(kind, key, title, round(float(score), 6)) for kind, key, title, score in rows]
