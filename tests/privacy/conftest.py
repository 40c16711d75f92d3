"""A fresh PostgreSQL database per test session for Rasa's SQL tracker store, dropped afterwards."""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_URL


@pytest.fixture(scope="session")
def tracker_database() -> Iterator[URL]:
    """URL of an empty database. PostgreSQL is part of the production configuration: when it is
    missing the tests fail, they are not skipped."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"privacy_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_URL} (set TEST_POSTGRES_URL): {error}")
    yield make_url(POSTGRES_URL).set(database=name)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


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
