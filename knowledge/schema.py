"""Database schema of the knowledge base (SQLAlchemy 1.4, 2.0 style).

One table per kind of content, mirroring the YAML files, plus `documents`: the search index that
every searchable entry (publication, answer, law, hotline) contributes one row to. Lists are JSON
columns: they are only ever read whole.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base

# SQLAlchemy 1.4 ships no types: declared Any, the base lets mypy take the models for classes (their columns Any).
Base: Any = declarative_base()


class VocabularyTerm(Base):
    __tablename__ = "vocabulary_terms"

    facet = Column(String(32), primary_key=True)  # topic | audience | publication_type | situation
    key = Column(String(64), primary_key=True)
    label = Column(String(200), nullable=False)
    synonyms = Column(JSON, nullable=False, default=list)

    @property
    def phrases(self) -> tuple[str, ...]:
        """What people write for this term: its synonyms (the label is display text, and a
        one-word label such as "Report" would match everyday words)."""
        return tuple(self.synonyms) or (self.label,)


class Hotline(Base):
    __tablename__ = "hotlines"

    key = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    operator = Column(String(300), nullable=False)
    phone = Column(String(32))
    vanity = Column(String(32))
    text = Column(String(200))
    tty = Column(String(32))
    web = Column(String(300))
    email = Column(String(200))
    hours = Column(String(200), nullable=False)
    languages = Column(String(300))
    use_for = Column(Text, nullable=False)
    not_for = Column(Text)
    situations = Column(JSON, nullable=False, default=list)
    source_url = Column(String(500), nullable=False)
    last_verified = Column(Date, nullable=False)


class Law(Base):
    __tablename__ = "laws"

    key = Column(String(64), primary_key=True)
    kind = Column(String(16), nullable=False)  # statute | guidance
    name = Column(String(300), nullable=False)
    short_name = Column(String(64))
    aliases = Column(JSON, nullable=False, default=list)
    citation = Column(String(100), nullable=False)
    date = Column(String(100))
    summary = Column(Text, nullable=False)
    requirements = Column(JSON, nullable=False, default=list)
    topics = Column(JSON, nullable=False, default=list)
    summary_url = Column(String(500), nullable=False)
    source_url = Column(String(500), nullable=False)
    last_verified = Column(Date, nullable=False)


class Publication(Base):
    __tablename__ = "publications"

    key = Column(String(64), primary_key=True)
    title = Column(String(300), nullable=False)
    publisher = Column(String(300), nullable=False)
    year = Column(Integer)
    first_published = Column(Integer)
    type = Column(String(32), nullable=False)
    audiences = Column(JSON, nullable=False, default=list)
    topics = Column(JSON, nullable=False, default=list)
    description = Column(Text, nullable=False)
    url = Column(String(500), nullable=False)
    source_url = Column(String(500), nullable=False)
    last_verified = Column(Date, nullable=False)


class Answer(Base):
    __tablename__ = "answers"

    key = Column(String(64), primary_key=True)
    # order in answers.yml, then answers/*.yml: the first of a topic is its general answer
    position = Column(Integer, nullable=False)
    file = Column(String(100), nullable=False)  # answers.yml (general answers) or answers/<area>.yml
    topic = Column(String(32), nullable=False)
    subtopics = Column(JSON, nullable=False, default=list)
    audiences = Column(JSON, nullable=False, default=list)  # who it is mainly for; empty: everyone
    title = Column(String(300), nullable=False)
    asked_as = Column(JSON, nullable=False, default=list)  # ways people ask the question it answers
    summary = Column(Text, nullable=False)
    points = Column(JSON, nullable=False, default=list)
    source = Column(String(300), nullable=False)
    source_url = Column(String(500), nullable=False)
    evidence = Column(Text)  # the source's words that support it (answers.yml's entries may lack it yet)
    hotlines = Column(JSON, nullable=False, default=list)  # lines to offer as the next step
    publications = Column(JSON, nullable=False, default=list)
    last_verified = Column(Date, nullable=False)


class StateReportingLine(Base):
    __tablename__ = "state_reporting_lines"

    abbr = Column(String(2), primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    aliases = Column(JSON, nullable=False, default=list)  # other names people type: "Washington DC"
    statewide = Column(Boolean, nullable=False)
    phone = Column(String(32))
    vanity = Column(String(40))
    other_numbers = Column(JSON, nullable=False, default=list)  # [{"label": ..., "phone": ..., "example": bool}]
    how_to_report = Column(Text, nullable=False)
    hours = Column(String(200))
    official_url = Column(String(500))
    web_report_url = Column(String(500))
    confidence = Column(String(8), nullable=False)
    source_url = Column(String(500), nullable=False)
    evidence = Column(Text)  # optional: the source page's own words that support the line
    last_verified = Column(Date, nullable=False)


class Scenario(Base):
    """A multiple-choice training question. Its facts come from one knowledge-base entry, named by
    `source_kind` (law | publication | answer | hotline) and `source_key`."""

    __tablename__ = "scenarios"

    key = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)  # order in scenarios.yml
    topics = Column(JSON, nullable=False, default=list)
    difficulty = Column(String(16), nullable=False)  # basic | intermediate | advanced
    question = Column(Text, nullable=False)
    options = Column(JSON, nullable=False, default=list)
    answer = Column(Integer, nullable=False)  # index into options
    explanation = Column(Text, nullable=False)
    source_kind = Column(String(16), nullable=False)
    source_key = Column(String(64), nullable=False)


class Drill(Base):
    """An open training question: the trainee answers in their own words, then sees the model answer."""

    __tablename__ = "drills"

    key = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    topics = Column(JSON, nullable=False, default=list)
    question = Column(Text, nullable=False)
    model_answer = Column(Text, nullable=False)
    key_terms = Column(JSON, nullable=False, default=list)
    source_kind = Column(String(16), nullable=False)
    source_key = Column(String(64), nullable=False)


class Document(Base):
    """One searchable entry. `search_*` columns hold the spaCy-normalized text that both the
    SQLite FTS5 table and the PostgreSQL full-text index are built from, so both backends match
    the same terms."""

    __tablename__ = "documents"

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)  # publication | answer | law | hotline
    key = Column(String(64), nullable=False)
    title = Column(String(300), nullable=False)
    pub_type = Column(String(32))
    search_title = Column(Text, nullable=False)
    search_asked = Column(Text, nullable=False, default="")  # an answer's asked_as: the questions it answers
    search_body = Column(Text, nullable=False)
    search_tags = Column(Text, nullable=False)


class DocumentTag(Base):
    """Topic and audience filters of a document."""

    __tablename__ = "document_tags"

    document_id = Column(Integer, ForeignKey("documents.id"), primary_key=True)
    facet = Column(String(16), primary_key=True)  # topic | audience
    key = Column(String(64), primary_key=True)


class LoadInfo(Base):
    """A single row describing the content that is loaded."""

    __tablename__ = "load_info"

    id = Column(Integer, primary_key=True)
    content_hash = Column(String(64), nullable=False)
    loaded_on = Column(Date, nullable=False, default=date.today)
    entries = Column(Integer, nullable=False)

