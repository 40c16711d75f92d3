"""A fresh PostgreSQL database per test session for Rasa's SQL tracker store, dropped afterwards."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine

from tests.conftest import fresh_database


@pytest.fixture(scope="session")
def tracker_database() -> Iterator[URL]:
    """URL of an empty database."""
    with fresh_database("privacy_test") as url:
        yield url


@pytest.fixture()
def raw(tracker_database: URL) -> Iterator[Engine]:
    """Plain SQLAlchemy access to the tracker store's tables, to see what was really written."""
    engine = create_engine(tracker_database, future=True)
    yield engine
    engine.dispose()


def rows(engine: Engine, sender_id: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                       {"s": sender_id}))
