"""Shared fixtures: validated content, knowledge bases on SQLite and on the real PostgreSQL."""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

from bot.cli import train
from knowledge.content import CONTENT_DIR, Content, read_content
from knowledge.db import make_engine
from knowledge.loader import load

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def _execute_or_fail(admin: Engine, statement: str) -> None:
    """The first statement on the PostgreSQL server: when the server is missing the test fails."""
    try:
        with admin.begin() as connection:
            connection.execute(text(statement))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_URL} (set TEST_POSTGRES_URL): {error}")


@contextmanager
def fresh_database(prefix: str) -> Iterator[URL]:
    """An empty PostgreSQL database of its own, dropped afterwards (open connections included).

    PostgreSQL is part of the production configuration: when it is missing the test fails, it is
    not skipped."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _execute_or_fail(admin, f"CREATE DATABASE {name}")
    try:
        yield make_url(POSTGRES_URL).set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model, trained first when out of date: the only way a test gets it, so that every test
    that needs it is marked e2e (below) and left out of `make test-fast`."""
    return train()


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "model" in getattr(item, "fixturenames", ()):  # directly or through another fixture
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def content() -> Content:
    return read_content()


@pytest.fixture()
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the real content that a test may break."""
    return Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}")
    load(engine, content)
    return engine


@pytest.fixture(scope="session")
def postgresql_engine(content: Content) -> Iterator[Engine]:
    """The knowledge base on the PostgreSQL server, in a schema of its own that is dropped afterwards.

    PostgreSQL is part of the production configuration: when it is missing the test fails, it is
    not skipped."""
    admin = create_engine(POSTGRES_URL, future=True)
    schema = f"kb_test_{uuid.uuid4().hex[:12]}"
    _execute_or_fail(admin, f"CREATE SCHEMA {schema}")
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    load(engine, content)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Run a test on both backends."""
    return request.getfixturevalue(f"{request.param}_engine")
