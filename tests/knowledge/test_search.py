"""Ranked search: same answers on SQLite and PostgreSQL, synonyms understood, filters, stable order."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from knowledge.loader import PG_VECTOR
from knowledge.search import parse_query, search


def top(engine, words: str, **filters) -> list[str]:
    with Session(engine, future=True) as session:
        return [hit.key for hit in search(session, words, **filters)]


@pytest.mark.parametrize(
    "words, expected_first",
    [
        ("labor trafficking for caseworkers", "cwig_caseworker_guide"),
        ("screening tools", "opre_screening_tools"),
        ("tip sheet for foster parents", "protecting_our_youth_tip_sheet"),
        ("guide for child welfare agency leaders", "cwig_agency_guide"),
        ("youth missing from foster care state statutes", "cwig_missing_from_care_statutes"),
        ("SOAR stop observe ask respond", "soar_training"),
    ],
)
def test_the_most_relevant_publication_ranks_first(engine, words, expected_first):
    assert top(engine, words, kinds=("publication",))[0] == expected_first


def test_law_abbreviations_and_numbers_find_the_law(engine):
    assert top(engine, "PSTSFA", kinds=("law",))[0] == "pstsfa"
    assert top(engine, "P.L. 114-22", kinds=("law",))[0] == "jvta"


def test_domain_synonyms_are_normalized(sqlite_engine):
    with Session(sqlite_engine, future=True) as session:
        for words in ("CSEC", "DMST", "commercial sexual exploitation of children", "child sex trafficking"):
            assert "sex_trafficking" in parse_query(session, words).topics, words
        query = parse_query(session, "Guides for case workers in group homes")
        assert query.audiences == ("caseworkers",)
        assert "foster_care" in query.topics
        assert "guide" in query.terms  # lemma of "Guides"


def test_a_synonym_finds_what_the_plain_words_find(engine):
    csec = top(engine, "CSEC", kinds=("publication",))
    assert set(csec) & set(top(engine, "sex trafficking", kinds=("publication",)))


def test_filters_restrict_results(engine, content):
    for key in top(engine, "trafficking", kinds=("publication",), audience="caseworkers", limit=20):
        assert key in {"cwig_caseworker_guide", "cwig_missing_from_care_statutes", "soar_training"}
    assert top(engine, "trafficking", kinds=("publication",), pub_type="tip_sheet", limit=20) == [
        "protecting_our_youth_tip_sheet"
    ]
    answers = {a.key: a for a in content.answers}
    labor = top(engine, "labor", kinds=("answer",), limit=20)
    assert labor and set(labor) <= set(answers)
    for_clinicians = top(engine, "trafficking", kinds=("answer",), audience="health_professionals", limit=50)
    assert for_clinicians and all("health_professionals" in answers[k].audiences for k in for_clinicians)


def test_filters_without_words_list_everything_that_matches(engine):
    assert "opre_screening_tools" in top(engine, "", kinds=("publication",), topic="screening", limit=20)


def test_order_is_deterministic_and_pages_do_not_overlap(engine):
    first = top(engine, "child welfare", kinds=("publication",), limit=10)
    assert first == top(engine, "child welfare", kinds=("publication",), limit=10)
    page_two = top(engine, "child welfare", kinds=("publication",), limit=3, offset=3)
    assert page_two == first[3:6]


def test_nonsense_and_punctuation_do_not_break_search(engine):
    assert top(engine, "zzzz qqqq") == []
    assert isinstance(top(engine, 'what "about" OR NEAR( * - ; DROP TABLE documents'), list)


def test_postgresql_searches_the_vectors_stored_at_load(postgresql_engine):
    """Each document's vector is computed once, when content is loaded; a search that built it
    again for every matching document cost most of the knowledge base's CPU per message."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(postgresql_engine, "before_cursor_execute", record)
    try:
        assert top(postgresql_engine, "signs of labor trafficking")
    finally:
        event.remove(postgresql_engine, "before_cursor_execute", record)
    searches = [s for s in statements if "ts_rank" in s]
    assert searches and not any("to_tsvector" in s for s in searches)
    with postgresql_engine.connect() as connection:
        stale = connection.execute(text(
            f"SELECT count(*) FROM documents WHERE search_vector IS DISTINCT FROM ({PG_VECTOR})")).scalar_one()
    assert stale == 0
