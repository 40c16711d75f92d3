"""Load validated content into the database in one transaction, with its search index."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from knowledge.content import Content
from knowledge.language import analyse, lemmas_of, tag_token
from knowledge.schema import Base, Document, DocumentTag, LoadInfo
from knowledge.tagging import TAG_FACETS, vocabulary_matcher

# PostgreSQL: weights A (title; an answer's asked_as, the ways people ask its question) > B (tags) > C (body).
# The vector is a stored column (documents.search_vector), computed once per load: computed in the query, every
# search built it again for each matching document, twice (to check the match and to rank it), most of the
# knowledge base's share of a message's CPU.
PG_VECTOR = (
    "setweight(to_tsvector('simple', search_title), 'A') || "
    "setweight(to_tsvector('simple', search_asked), 'A') || "
    "setweight(to_tsvector('simple', search_tags), 'B') || "
    "setweight(to_tsvector('simple', search_body), 'C')"
)


def normalized(words: str) -> str:
    return " ".join(lemmas_of(words))


def _documents(content: Content) -> list[tuple[Document, list[DocumentTag]]]:
    """One search document per publication, answer, law and hotline."""
    terms = [t for facet in content.vocabulary.values() for t in facet.values()]
    matcher = vocabulary_matcher(terms)
    rows = []

    def add(kind: str, key: str, title: str, body: Iterable[str | None], topics: Iterable[str],
            audiences: Iterable[str] = (), pub_type: str | None = None, asked: Iterable[str] = ()) -> None:
        text_body = " ".join(part for part in body if part)
        questions = ". ".join(asked)
        tags = {kind} | {tag_token("topic", t) for t in topics} | {tag_token("audience", a) for a in audiences}
        if pub_type:
            tags.add(tag_token("type", pub_type))
        mentioned = matcher.find(analyse(f"{title}. {questions}. {text_body}"))
        tags |= {tag_token(TAG_FACETS[m.facet], m.key) for m in mentioned}
        document = Document(kind=kind, key=key, title=title, pub_type=pub_type, search_title=normalized(title),
                            search_asked=normalized(questions), search_body=normalized(text_body),
                            search_tags=" ".join(sorted(tags)))
        document_tags = [DocumentTag(facet="topic", key=t) for t in sorted(set(topics))]
        document_tags += [DocumentTag(facet="audience", key=a) for a in sorted(set(audiences))]
        rows.append((document, document_tags))

    for p in content.publications:
        add("publication", p.key, p.title, [p.publisher, p.description], p.topics, p.audiences, p.type)
    for a in content.answers:
        # an answer's topic (e.g. "signs") is also a search topic when the vocabulary has it
        topics = [a.topic, *a.subtopics] if a.topic in content.vocabulary["topics"] else a.subtopics
        add("answer", a.key, a.title, [a.summary, *a.points, a.source], topics, a.audiences, asked=a.asked_as)
    for law in content.laws:
        add("law", law.key, law.name, [law.short_name, law.citation, *law.aliases, law.summary, *law.requirements],
            ["laws", *law.topics])
    for h in content.hotlines:
        add("hotline", h.key, h.name, [h.operator, h.use_for, h.not_for], [])
    return rows


def _create_search_index(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5("
            "search_title, search_asked, search_body, search_tags, content='documents', content_rowid='id')"
        ))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(
            f"ALTER TABLE documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        ))
        connection.execute(text("CREATE INDEX documents_search_idx ON documents USING GIN (search_vector)"))


def _refresh_search_index(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')"))


def _copy(record: Base) -> Base:
    """A new, unattached copy, so loading never attaches (and later expires) the caller's records."""
    return type(record)(**{column.key: getattr(record, column.key) for column in record.__table__.columns})


def load(engine: Engine, content: Content) -> int:
    """Replace the database's content with `content` in one transaction; return entries loaded.

    Any failure rolls the whole transaction back, so the database keeps what it had."""
    documents = _documents(content)
    records = [_copy(record) for record in content.records()]
    with Session(engine, future=True) as session, session.begin():
        connection = session.connection()
        # The tables hold nothing but derived content, so they are rebuilt on every load: a
        # database made by an older version of the schema is upgraded, inside the same transaction.
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TABLE IF EXISTS documents_fts"))
        Base.metadata.drop_all(connection)
        Base.metadata.create_all(connection)
        _create_search_index(connection)
        session.add_all(records)
        for document, tags in documents:
            session.add(document)
            session.flush()
            for tag in tags:
                tag.document_id = document.id
            session.add_all(tags)
        session.add(LoadInfo(id=1, content_hash=content.content_hash, loaded_on=date.today(), entries=len(records)))
        session.flush()
        _refresh_search_index(connection)
    return len(records)
