"""actions/repository.py on the PostgreSQL server: an action reads the knowledge base over one connection."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from actions.publications import ActionFindPublications
from actions.repository import knowledge_base
from actions.topics import ActionAnswerTopic


@pytest.fixture()
def on_postgresql(postgresql_engine, monkeypatch):
    """The actions read the knowledge base on PostgreSQL; yields what each pool checkout and statement was."""
    monkeypatch.setenv("KB_DATABASE_URL", postgresql_engine.url.render_as_string(hide_password=False))
    knowledge_base.cache_clear()
    seen: list[str] = []

    def checkout(*_) -> None:
        seen.append("checkout")

    def statement(_connection, _cursor, sql: str, *_) -> None:
        seen.append(sql)

    event.listen(Pool, "checkout", checkout)
    event.listen(Engine, "before_cursor_execute", statement)
    yield seen
    event.remove(Pool, "checkout", checkout)
    event.remove(Engine, "before_cursor_execute", statement)
    knowledge_base.cache_clear()


@pytest.mark.parametrize("action, text, intent", [
    (ActionAnswerTopic(), "what are the signs of labor trafficking?", "ask_signs"),
    (ActionFindPublications(), "guides for caseworkers on labor trafficking", "find_publications"),
])
def test_an_answer_takes_one_connection_and_reads_the_content_version_at_most_once(on_postgresql, run, action,
                                                                                   text, intent):
    """Several queries make an answer; on PostgreSQL each checkout is a round trip to check the
    connection, and each content-version read another."""
    run(action, text, intent)  # the first run also builds the vocabulary matcher
    on_postgresql.clear()
    messages, _ = run(action, text, intent)

    assert messages and messages[0]["text"]
    assert on_postgresql.count("checkout") == 1
    assert sum("load_info" in sql for sql in on_postgresql) <= 1
    assert len(on_postgresql) > 3  # several queries went over that one connection
