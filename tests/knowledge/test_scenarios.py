"""Training scenarios and drills are validated like all content, and loaded with it."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.__main__ import main as cli
from knowledge.db import make_engine
from knowledge.loader import load
from knowledge.schema import Drill, LoadInfo, Scenario
from tests.knowledge.test_content_validation import line_of, problems, replace


def test_the_scenario_bank_covers_topics_and_difficulties(content):
    assert len(content.scenarios) >= 40 and len(content.drills) >= 10
    assert Counter(s.difficulty for s in content.scenarios).keys() == {"basic", "intermediate", "advanced"}
    assert min(Counter(s.difficulty for s in content.scenarios).values()) >= 10
    topics = Counter(t for s in content.scenarios for t in s.topics)
    for topic in ("signs", "risk_factors", "laws", "reporting", "labor_trafficking", "missing_from_care",
                  "trauma_informed_practice", "prevention"):
        assert topics[topic] >= 2, topic
    assert {s.source_kind for s in content.scenarios} == {"law", "publication", "answer", "hotline"}
    assert all(3 <= len(s.options) <= 4 and 0 <= s.answer < len(s.options) for s in content.scenarios)


def test_a_source_that_does_not_exist_is_rejected_with_file_and_line(content_dir):
    path = content_dir / "scenarios.yml"
    replace(path, "source: law:tvpa\n", "source: law:tvpa_2000\n")
    found = problems(content_dir)
    entry_line = line_of(path, "key: tvpa_defines_severe_forms")
    [problem] = [p for p in found if "tvpa_2000" in p]
    assert problem == f"scenarios.yml:{entry_line}: tvpa_defines_severe_forms: 'source' names unknown law 'tvpa_2000'"


def test_other_scenario_mistakes_are_all_reported(content_dir):
    path = content_dir / "scenarios.yml"
    replace(path, "source: hotline:nhth\n", "source: phone:nhth\n")
    replace(path, "    answer: c\n", "    answer: d\n")
    replace(path, "difficulty: basic\n", "difficulty: easy\n")
    replace(path, "key_terms: [law enforcement, NCMEC, 24 hours]\n    source: law:pstsfa",
            "key_terms: [law enforcement, NCMEC, 24 hours]\n    source: answer:no_such_answer")
    replace(path, "      - They prove she is being trafficked, so no further assessment is needed.\n", "")
    found = problems(content_dir)
    assert any("'source' kind 'phone' must be one of law, publication, answer, hotline" in p for p in found), found
    assert any("'answer' is 'd' but there are only 3 options" in p for p in found), found
    assert any("'difficulty' must be one of basic, intermediate, advanced" in p for p in found), found
    assert any("drill_pstsfa_missing: 'source' names unknown answer 'no_such_answer'" in p for p in found), found
    assert any("foster_youth_older_boyfriend: 'options' must list 3 or 4 options, not 2" in p for p in found), found
    assert all(p.startswith("scenarios.yml:") for p in found), found


def test_scenarios_are_loaded_with_the_rest(engine, content):
    with Session(engine, future=True) as session:
        assert session.execute(select(func.count()).select_from(Scenario)).scalar_one() == len(content.scenarios)
        assert session.execute(select(func.count()).select_from(Drill)).scalar_one() == len(content.drills)
        item = session.get(Scenario, "pstsfa_missing_24_hours")
        assert (item.source_kind, item.source_key, item.answer) == ("law", "pstsfa", 0)


def test_a_bad_scenario_leaves_the_database_unchanged(content_dir, content, tmp_path, monkeypatch, capsys):
    database = f"sqlite:///{tmp_path / 'knowledge.db'}"
    load(make_engine(database), content)
    monkeypatch.setenv("KB_DATABASE_URL", database)
    replace(content_dir / "scenarios.yml", "source: law:jvta\n", "source: law:jvta_2015\n")
    replace(content_dir / "scenarios.yml", "question: When is National Human Trafficking Prevention Month?",
            "question: When is Prevention Month, changed?")
    assert cli(["--content", str(content_dir), "load"]) == 1
    assert "scenarios.yml:" in capsys.readouterr().err
    with Session(make_engine(database), future=True) as session:
        assert session.execute(select(LoadInfo.content_hash)).scalar_one() == content.content_hash
        assert session.execute(select(func.count()).select_from(Scenario)).scalar_one() == len(content.scenarios)
        assert session.get(Scenario, "prevention_month_january").question.startswith("When is National")


# Words that point at an option by its letter or place: the quiz shows the options in a new order
# each time (actions/quiz.py), so "option (a)" or "both of the above" would point at the wrong one.
BY_PLACE = re.compile(
    r"\(\s*[a-d]\s*\)|(?<![\w(])[a-d]\)|\b(?:option|answer|choice|letter)s? \(?[a-d]\b"
    r"|\b(?:all|none|both|either|neither|any) of (?:the|these) (?:above|options|answers|choices)\b"
    r"|\bthe (?:above|previous|next|first|second|third|fourth|last|other) (?:option|answer|choice|one)s?\b"
    r"|\b(?:above|below) (?:options?|answers?|choices?)\b",
    re.IGNORECASE,
)


def test_no_scenario_points_at_an_option_by_its_letter_or_place(content):
    found = {(s.key, part): BY_PLACE.findall(text) for s in content.scenarios
             for part, text in [("question", s.question), ("explanation", s.explanation),
                                *((f"option {i + 1}", o) for i, o in enumerate(s.options))]}
    assert {where: words for where, words in found.items() if words} == {}


def test_pointing_at_an_option_by_its_letter_or_place_is_caught():
    for text in ("Both of the above.", "As option (a) says", "Option b is wrong", "a) and c) are myths",
                 "none of these answers", "the first option is a myth", "All of the options."):
        assert BY_PLACE.search(text), text
    for text in ("Call 911 (a law-enforcement emergency).", "Plan a safe exit", "the first call",
                 "both are indicators", "Under 18 (see TVPA)."):
        assert not BY_PLACE.search(text), text
