"""Loading replaces the content in one transaction: a failure leaves the database as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.content import Content
from knowledge.db import make_engine
from knowledge.loader import load
from knowledge.schema import Answer, Document, Hotline, LoadInfo, StateReportingLine


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine, future=True) as session:
        return (
            session.execute(select(func.count()).select_from(Hotline)).scalar_one(),
            session.execute(select(func.count()).select_from(StateReportingLine)).scalar_one(),
            session.execute(select(func.count()).select_from(Document)).scalar_one(),
        )


def test_everything_is_loaded(engine, content):
    hotlines, states, documents = counts(engine)
    assert (hotlines, states) == (15, 54)
    assert documents == len(content.publications) + len(content.answers) + len(content.laws) + len(content.hotlines)
    with Session(engine, future=True) as session:
        assert session.execute(select(LoadInfo.content_hash)).scalar_one() == content.content_hash
        texas = session.get(StateReportingLine, "TX")
        assert texas.phone == "1-800-252-5400"


def test_reloading_is_idempotent(engine, content):
    before = counts(engine)
    load(engine, content)
    assert counts(engine) == before


def test_a_database_from_an_older_schema_is_upgraded(tmp_path, content):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE answers (key VARCHAR(64) PRIMARY KEY, title TEXT)"))
    load(engine, content)
    with Session(engine, future=True) as session:
        first = session.execute(select(Answer).order_by(Answer.position)).scalars().first()
    assert first.key == content.answers[0].key


def test_a_failing_load_rolls_back_everything(engine, content, monkeypatch):
    before = counts(engine)
    broken = Content(**{**content.__dict__})
    # Two hotlines with the same key: the database refuses the second one midway through the load,
    # after the old rows were deleted and new ones inserted.
    broken.hotlines = [*content.hotlines, Hotline(**{c: getattr(content.hotlines[0], c)
                                                     for c in Hotline.__table__.columns.keys()})]  # noqa: SIM118
    with pytest.raises(IntegrityError):
        load(engine, broken)
    assert counts(engine) == before
    with Session(engine, future=True) as session:
        assert session.get(StateReportingLine, "OH") is not None
