"""The answer bank: answers.yml and answers/*.yml are read together, every new field is checked, and
the ways people ask a question find its answer."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge.content import ContentError, read_content
from knowledge.db import make_engine
from knowledge.loader import load
from knowledge.schema import Answer
from knowledge.search import search
from tests.conftest import fresh_database

# One valid answer in the agreed format; its facts are those of answers.yml's
# definition_commercial_sex_act (../shared/reference/vetted-facts.md, section 4).
VALID = """\
answers:
  - key: test_anything_of_value
    topic: myths
    subtopics: [sex_trafficking]
    audiences: [parents_caregivers, caseworkers]
    title: Money does not have to change hands
    asked_as:
      - does payment have to be in cash for it to count
      - is swapping sex for a futon to sleep on trafficking
      - what counts as something of value in a test fixture
    summary: >-
      A commercial sex act is an exchange of anything of value, such as money, drugs or a place to stay.
    source: Children's Bureau; NCMEC
    source_url: https://www.missingkids.org/theissues/trafficking
    evidence: >-
      a "commercial sex act" is an exchange of anything of value (money, drugs, a place to stay)
    hotlines: [nhth]
    last_verified: 2026-12-07
"""
LAST_ASKED = "      - what counts as something of value in a test fixture\n"


def write(content_dir: Path, text: str = VALID, name: str = "zz_test.yml") -> Path:
    folder = content_dir / "answers"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as error:
        read_content(content_dir)
    return [str(p) for p in error.value.problems]


def test_answers_from_every_file_are_read_after_answers_yml(content_dir):
    shipped = read_content(content_dir).answers
    write(content_dir)
    answers = read_content(content_dir).answers
    assert [a.key for a in answers[:-1]] == [a.key for a in shipped]  # answers/zz_test.yml sorts last here
    added = answers[-1]
    assert (added.key, added.position) == ("test_anything_of_value", len(shipped))
    assert added.asked_as[1] == "is swapping sex for a futon to sleep on trafficking"
    assert added.audiences == ["parents_caregivers", "caseworkers"]
    assert added.hotlines == ["nhth"]
    assert added.evidence.startswith('a "commercial sex act"')


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (LAST_ASKED, "", "'asked_as' must list 3 to 8 ways people ask it, not 2"),
        (LAST_ASKED, LAST_ASKED + "".join(f"      - phrasing {n}\n" for n in range(6)), "not 9"),
        ("- what counts as something of value in a test fixture", "- Does payment have to be in cash for it to count",
         "lists 'Does payment have to be in cash for it to count' twice"),
        ("    asked_as:\n", "    asked_as_typo:\n", "'asked_as' is required"),
        ("audiences: [parents_caregivers, caseworkers]", "audiences: [parents, caseworkers]",
         "'audiences' names unknown audience 'parents'"),
        ("hotlines: [nhth]", "hotlines: [nhth, national_hotline]",
         "'hotlines' names unknown hotline 'national_hotline'"),
        ("topic: myths", "topic: myth", "'topic' must be one of"),
        ("    evidence: >-\n", "    evidence_typo: >-\n", "'evidence' is required"),
        ("a \"commercial sex act\"", "x" * 600, "'evidence' must be an excerpt of at most 500 characters"),
        ("    source_url: https://www.missingkids.org/theissues/trafficking\n", "", "'source_url' is required"),
        ("    last_verified: 2026-12-07\n", "", "'last_verified' is required"),
    ],
)
def test_each_new_field_is_checked_with_file_line_and_entry(content_dir, old, new, expected):
    assert old in VALID
    write(content_dir, VALID.replace(old, new, 1))
    found = problems(content_dir)
    assert any(p.startswith("answers/zz_test.yml:") and "test_anything_of_value" in p and expected in p
               for p in found), found


def test_the_new_topics_are_accepted(content_dir):
    for topic in ("myths", "what_to_do", "laws", "practice", "signs", "definitions"):
        write(content_dir, VALID.replace("topic: myths", f"topic: {topic}"))
        assert read_content(content_dir).answers[-1].topic == topic


def test_a_key_is_unique_across_files(content_dir):
    write(content_dir)
    write(content_dir, VALID.replace("test_anything_of_value", "signs_trafficking")
          .replace("      - ", "      - again ", 3), "more.yml")
    found = problems(content_dir)
    assert any(p.startswith("answers/more.yml:") and "duplicate key (first at answers.yml:" in p for p in found), found


def test_a_phrasing_belongs_to_one_answer(content_dir):
    write(content_dir)
    write(content_dir, VALID.replace("test_anything_of_value", "test_other"), "more.yml")
    found = problems(content_dir)
    # answers/more.yml is read first: the phrasing belongs to its answer
    assert any(p.startswith("answers/zz_test.yml:") and "test_anything_of_value" in p
               and "already listed by answer 'test_other'" in p for p in found), found


def test_an_invalid_answer_file_loads_nothing(content_dir):
    write(content_dir)
    write(content_dir, "answers:\n  - key: [unclosed\n", "broken.yml")
    found = problems(content_dir)
    assert any(p.startswith("answers/broken.yml:") and "not valid YAML" in p for p in found), found


def test_a_general_answer_without_asked_as_is_rejected_with_file_and_line(content_dir):
    """answers.yml's general answers say how people ask them too: the ranking finds answers by it."""
    general = content_dir / "answers.yml"
    text = general.read_text(encoding="utf-8")
    start = text.index("    asked_as:\n")
    end = text.index("    summary:", start)
    general.write_text(text[:start] + text[end:], encoding="utf-8")
    found = problems(content_dir)
    assert any(p.startswith("answers.yml:") and "asked_as" in p for p in found), found


def test_an_answer_file_changes_the_content_version(content_dir):
    before = read_content(content_dir).content_hash
    write(content_dir)
    assert read_content(content_dir).content_hash != before


def _keys(engine, words: str) -> list[str]:
    with Session(engine, future=True) as session:
        return [hit.key for hit in search(session, words, kinds=("answer",))]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_question_finds_the_answer_whose_phrasings_match(content_dir, tmp_path, backend):
    """"futon" is only in the answer's asked_as, not its title or text: the phrasings are indexed."""
    write(content_dir)
    content = read_content(content_dir)
    question = "My foster daughter swaps sex for a futon to sleep on. Is that trafficking?"
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
        load(engine, content)
        assert _keys(engine, question)[0] == "test_anything_of_value"
        engine.dispose()
        return
    with fresh_database("kb_asked") as url:
        engine = make_engine(url.render_as_string(hide_password=False))
        load(engine, content)
        try:
            assert _keys(engine, question)[0] == "test_anything_of_value"
            with Session(engine, future=True) as session:
                stored = session.get(Answer, "test_anything_of_value")
                assert stored.asked_as[0] == "does payment have to be in cash for it to count"
                assert (stored.audiences, stored.hotlines) == (["parents_caregivers", "caseworkers"], ["nhth"])
                assert stored.file == "answers/zz_test.yml"
                assert stored.evidence
        finally:
            engine.dispose()
