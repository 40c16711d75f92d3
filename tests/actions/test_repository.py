"""actions/repository.py on the PostgreSQL server: an action reads the knowledge base over one connection,
and a connection the server cut (a restart) costs no answer."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

import actions.repository
import knowledge.db
from actions.answers import ActionAnswerQuestion
from actions.laws import ActionExplainLaw
from actions.publications import ActionFindPublications
from actions.quiz import ActionAskQuizAnswer, ActionFinishQuiz, ActionStartQuiz, ValidateQuizForm
from actions.repository import knowledge_base
from knowledge.content import read_content
from knowledge.db import make_engine
from knowledge.loader import load
from tests.actions.conftest import tracker
from tests.actions.test_quiz import quiz_state
from tests.conftest import POSTGRES_URL


@pytest.fixture()
def on_postgresql(postgresql_engine, monkeypatch):
    """The actions read the knowledge base on PostgreSQL, the content version in every session; yields
    what each pool checkout and statement was."""
    monkeypatch.setenv("KB_DATABASE_URL", postgresql_engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(actions.repository, "VERSION_CHECK_SECONDS", 0.0)
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


@pytest.mark.parametrize("action, text, intent, searches", [
    (ActionAnswerQuestion(), "what are the signs of labor trafficking?", "ask_signs", 1),
    (ActionFindPublications(), "guides for caseworkers on labor trafficking", "find_publications", 1),
])
def test_an_answer_reads_the_content_version_and_searches_nothing_else(on_postgresql, run, action, text,
                                                                       intent, searches):
    """After the first answer, the records an answer looks up come from memory: on the database, one
    connection, the content version and any full-text search, each a round trip."""
    run(action, text, intent)  # the first run reads the records and builds the vocabulary matcher
    on_postgresql.clear()
    messages, _ = run(action, text, intent)

    assert messages and messages[0]["text"]
    statements = [sql for sql in on_postgresql if sql != "checkout"]
    assert on_postgresql.count("checkout") == 1
    assert sum("load_info" in sql for sql in statements) == 1
    assert sum("FROM documents" in sql for sql in statements) == searches
    assert len(statements) == 1 + searches


def test_within_a_second_of_the_last_version_read_an_answer_makes_only_its_search(on_postgresql, run,
                                                                                            monkeypatch):
    """The content version read a moment ago is taken as current: an answer and a publication search
    each make their one full-text query, and nothing else."""
    monkeypatch.setattr(actions.repository, "VERSION_CHECK_SECONDS", 60.0)
    run(ActionAnswerQuestion(), "who is at risk?", "ask_risk_factors")  # reads the version and the records
    on_postgresql.clear()

    answer, _ = run(ActionAnswerQuestion(), "what are the signs of labor trafficking?", "ask_signs")
    statements = [sql for sql in on_postgresql if sql != "checkout"]
    assert answer and answer[0]["text"] and len(statements) == 1 and "FROM documents" in statements[0]
    on_postgresql.clear()
    publications, _ = run(ActionFindPublications(), "guides for caseworkers on labor trafficking", "find_publications")
    statements = [sql for sql in on_postgresql if sql != "checkout"]
    assert publications and len(statements) == 1 and "FROM documents" in statements[0]


def test_an_action_that_needs_no_record_makes_no_round_trip(on_postgresql, run):
    """Finishing a quiz that never started reads nothing, so it answers with the database down too
    (a version read at the start of every action gave it the hotline message instead)."""
    messages, _ = run(ActionFinishQuiz(), "A", "choose_option")

    assert messages[0]["response"] == "utter_no_quiz_running"
    assert on_postgresql == []


def test_a_quiz_turn_reads_the_content_version_once(on_postgresql, run, domain):
    """The quiz's question and its feedback (the scenario, its source, the source's publications)
    each read the knowledge base in one session: one connection, one content-version read."""
    state = quiz_state([scenario.key for scenario in read_content().scenarios[:2]])
    run(ActionAskQuizAnswer(), slots={"quiz": state})  # the first run reads the records
    on_postgresql.clear()
    messages, _ = run(ActionAskQuizAnswer(), slots={"quiz": state})
    dispatcher = CollectingDispatcher()
    result = ValidateQuizForm().validate_quiz_answer("b", dispatcher, tracker("b", slots={"quiz": state}), domain)

    assert messages and dispatcher.messages and result["quiz"]["index"] == 1
    statements = [sql for sql in on_postgresql if sql != "checkout"]
    assert on_postgresql.count("checkout") == 2 and len(statements) == 2
    assert all("load_info" in sql for sql in statements)


def test_an_answer_after_a_load_gives_the_new_content(content_dir, tmp_path, monkeypatch, run):
    """An editor's load reaches the answers within VERSION_CHECK_SECONDS, without a restart of the
    action server."""
    clock = [1000.0]
    monkeypatch.setattr(actions.repository, "monotonic", lambda: clock[0])
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    load(engine, read_content(content_dir))
    monkeypatch.setenv("KB_DATABASE_URL", str(engine.url))
    knowledge_base.cache_clear()
    before, _ = run(ActionExplainLaw(), "what is the TVPA?", "ask_law", {"law": "tvpa"})
    laws = content_dir / "laws.yml"
    laws.write_text(laws.read_text(encoding="utf-8").replace("summary: >-", "summary: >-\n      Edited.", 1),
                    encoding="utf-8")
    load(engine, read_content(content_dir))

    clock[0] += actions.repository.VERSION_CHECK_SECONDS / 2
    meanwhile, _ = run(ActionExplainLaw(), "what is the TVPA?", "ask_law", {"law": "tvpa"})
    clock[0] += actions.repository.VERSION_CHECK_SECONDS / 2
    after, _ = run(ActionExplainLaw(), "what is the TVPA?", "ask_law", {"law": "tvpa"})

    assert "Edited." not in before[0]["text"] and "Edited." not in meanwhile[0]["text"]
    assert "Edited." in after[0]["text"]


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
    run(ActionAnswerQuestion(), "who is at risk?", "ask_risk_factors")
    cut_the_pooled_connection()
    on_postgresql.clear()

    messages, _ = run(ActionAnswerQuestion(), "who is at risk?", "ask_risk_factors")

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


def test_with_the_knowledge_base_unreachable_the_hotline_message_comes_once_a_turn(monkeypatch, domain):
    """A quiz's first turn runs three actions: the person reads the hotline message once."""
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/test?connect_timeout=2")
    knowledge_base.cache_clear()
    said = {"event": "bot", "text": domain["responses"]["utter_service_unavailable"][0]["text"]}

    def ask(events: list[dict]) -> list[dict]:
        dispatcher, state = CollectingDispatcher(), tracker("quiz me", "start_quiz")
        state.events = events
        assert ActionStartQuiz().run(dispatcher, state, domain) == []
        return dispatcher.messages

    assert [m["response"] for m in ask([{"event": "user", "text": "quiz me"}])] == ["utter_service_unavailable"]
    assert ask([{"event": "user", "text": "quiz me"}, said]) == []
    assert len(ask([{"event": "user"}, said, {"event": "user", "text": "A"}])) == 1
    knowledge_base.cache_clear()
