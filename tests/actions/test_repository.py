"""actions/repository.py on the PostgreSQL server: an action reads the knowledge base over one connection,
and a connection the server cut (a restart) costs no answer."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

import knowledge.db
from actions.publications import ActionFindPublications
from actions.repository import knowledge_base
from actions.topics import ActionAnswerTopic
from tests.conftest import POSTGRES_URL


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
    """Several queries make an answer; on PostgreSQL a checkout may be a round trip to check the
    connection (after a rest), and each content-version read is another."""
    run(action, text, intent)  # the first run also builds the vocabulary matcher
    on_postgresql.clear()
    messages, _ = run(action, text, intent)

    assert messages and messages[0]["text"]
    assert on_postgresql.count("checkout") == 1
    assert sum("load_info" in sql for sql in on_postgresql) <= 1
    assert len(on_postgresql) > 3  # several queries went over that one connection


def cut_the_pooled_connection() -> None:
    """Do to the action server's one pooled connection what a database restart does."""
    with knowledge_base()._engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


def test_a_connection_cut_while_in_use_costs_no_answer(on_postgresql, run):
    """Used a moment ago, the connection is not checked before use: the action fails on it, and
    runs again on a new one."""
    run(ActionAnswerTopic(), "who is at risk?", "ask_risk_factors")
    cut_the_pooled_connection()
    on_postgresql.clear()

    messages, _ = run(ActionAnswerTopic(), "who is at risk?", "ask_risk_factors")

    assert len(messages) == 1 and "risk" in messages[0]["text"].lower()
    assert "can't look that up" not in messages[0]["text"]
    assert on_postgresql.count("checkout") == 2  # the dead connection, then a new one


def test_a_rested_connection_is_checked_before_use(on_postgresql, monkeypatch):
    """Code without the actions' retry (the quiz's queries) still finds a connection that died
    while it rested replaced, not broken."""
    knowledge_base().scenarios()
    cut_the_pooled_connection()
    with pytest.raises(DBAPIError):  # used moments ago: not checked, so the query meets the cut
        knowledge_base().scenarios()

    knowledge_base().scenarios()
    cut_the_pooled_connection()
    monkeypatch.setattr(knowledge.db, "IDLE_BEFORE_PING", 0.0)
    assert knowledge_base().scenarios()
