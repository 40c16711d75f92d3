"""python -m knowledge review: entries due for re-checking, oldest first, on copies of the content
with old and fresh `last_verified` dates."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from knowledge.__main__ import main as cli
from knowledge.content import read_content
from knowledge.review import DUE_DAYS, FAIL_DAYS, due
from tests.knowledge.test_content_validation import line_of, replace

TODAY = "2026-12-07"
FRESH = "2026-12-01"  # six days before TODAY


def checked(path: Path, entry: str, day: str) -> None:
    """Give the entry that starts with the line `entry` a new last_verified date."""
    text = path.read_text(encoding="utf-8")
    start = text.index(entry + "\n")
    found = re.compile(r"last_verified: \S+").search(text, start)
    path.write_text(text[:found.start()] + f"last_verified: {day}" + text[found.end():], encoding="utf-8")


@pytest.fixture()
def dated(content_dir: Path) -> Path:
    """Every entry checked six days ago but three: the trafficking hotline nearly two years ago, the
    TVPA 159 days ago and Maryland's line 114 days ago."""
    for path in content_dir.glob("*.yml"):
        path.write_text(re.sub(r"last_verified: \S+", f"last_verified: {FRESH}", path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    checked(content_dir / "hotlines.yml", "  - key: nhth", "2025-01-10")
    checked(content_dir / "laws.yml", "  - key: tvpa", "2026-07-01")
    checked(content_dir / "state_reporting_lines.yml", "  - abbr: MD", "2026-08-15")
    return content_dir


def entries(content_dir: Path) -> int:
    """How many entries carry a last_verified date."""
    content = read_content(content_dir)
    return sum(map(len, [content.hotlines, content.laws, content.publications, content.answers, content.state_lines]))


def review(content_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli(["--content", str(content_dir), "review", "--today", TODAY, *args])
    return code, capsys.readouterr().out


def test_the_entries_due_are_listed_oldest_first_with_where_they_are_and_what_to_check(dated):
    content = read_content(dated)
    items = due(content, date.fromisoformat(TODAY))
    assert [(d.label, d.age, d.overdue) for d in items] == [
        ("hotline nhth: National Human Trafficking Hotline", 696, True),
        ("law tvpa: Trafficking Victims Protection Act of 2000", 159, False),
        ("state line MD: Maryland", 114, False),
    ]
    hotline, law, state = items
    nhth = next(h for h in content.hotlines if h.key == "nhth")
    assert (hotline.file, hotline.line) == ("hotlines.yml", line_of(dated / "hotlines.yml", "key: nhth"))
    assert hotline.source_url == nhth.source_url and hotline.last_verified == date(2025, 1, 10)
    for fact in (f"operator ({nhth.operator})", f"phone {nhth.phone}", f"text {nhth.text}", f"hours ({nhth.hours})"):
        assert fact in hotline.check
    tvpa = next(x for x in content.laws if x.key == "tvpa")
    assert (law.file, law.line) == ("laws.yml", line_of(dated / "laws.yml", "key: tvpa"))
    assert f"citation ({tvpa.citation})" in law.check and f"the {len(tvpa.requirements)} requirements" in law.check
    maryland = next(s for s in content.state_lines if s.abbr == "MD")
    assert state.line == line_of(dated / "state_reporting_lines.yml", "abbr: MD")
    assert f"phone {maryland.phone}" in state.check and f"confidence ({maryland.confidence})" in state.check
    assert all(f"{n['label']} {n['phone']}" in state.check for n in maryland.other_numbers)


def test_older_than_filters_and_the_hard_limit_sets_the_exit_code(dated, capsys):
    code, out = review(dated, capsys)
    assert code == 1  # the hotline is past the default limit
    assert out.startswith(f"3 of {entries(dated)} entries are due for re-checking (last checked more than "
                          f"{DUE_DAYS} days before {TODAY}); 1 past the {FAIL_DAYS}-day limit.")
    [hotline] = [h for h in read_content(dated).hotlines if h.key == "nhth"]
    assert (f"OVERDUE hotlines.yml:{line_of(dated / 'hotlines.yml', 'key: nhth')}: hotline nhth: "
            f"National Human Trafficking Hotline\n  last checked 2025-01-10 (696 days ago)\n"
            f"  source: {hotline.source_url}\n  check: operator (") in out
    assert out.index("hotline nhth") < out.index("law tvpa") < out.index("state line MD")

    code, out = review(dated, capsys, "--older-than", "150")
    assert code == 1 and "hotline nhth" in out and "law tvpa" in out and "state line MD" not in out

    code, out = review(dated, capsys, "--fail-after", "700")
    assert code == 0 and out.startswith(f"3 of {entries(dated)} entries are due") and "OVERDUE" not in out

    code, out = review(dated, capsys, "--older-than", "120", "--fail-after", "150")
    assert code == 1 and out.count("OVERDUE") == 2 and "state line MD" not in out


def test_nothing_due_says_so_and_succeeds(dated, capsys):
    code, out = review(dated, capsys, "--older-than", "700", "--fail-after", "700")
    assert (code, out) == (0, f"All {entries(dated)} entries were checked in the 700 days before {TODAY}.\n")


def test_a_date_after_today_is_a_mistake_that_fails_the_review(dated, capsys):
    checked(dated / "publications.yml", "  - key: cwig_caseworker_guide", "2062-12-01")
    code, out = review(dated, capsys)
    assert code == 1
    assert re.search(r"OVERDUE publications\.yml:\d+: publication cwig_caseworker_guide: .*\n"
                     rf"  last checked 2062-12-01 \(dated after {TODAY}: a mistake\?\)", out)
    assert out.index("hotline nhth") < out.index("publication cwig_caseworker_guide")  # still oldest first


def test_a_malformed_file_is_reported_with_file_and_line_and_fails(dated, capsys):
    path = dated / "laws.yml"
    replace(path, "  - key: tvpa\n", "  - key: tvpa\n    kind: [statute\n")
    code = cli(["--content", str(dated), "review", "--today", TODAY])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert re.search(r"laws\.yml:\d+: not valid YAML", captured.err), captured.err


def test_a_bad_date_is_reported_with_file_line_and_entry(dated, capsys):
    checked(dated / "hotlines.yml", "  - key: nhth", "24/11/2026")
    code = cli(["--content", str(dated), "review", "--today", TODAY])
    err = capsys.readouterr().err
    line = line_of(dated / "hotlines.yml", "key: nhth")
    assert code == 1
    assert f"hotlines.yml:{line}: nhth: 'last_verified' must be a date written YYYY-MM-DD, not '24/11/2026'" in err


@pytest.mark.parametrize("args, message", [
    (["--today", "2026-13-01"], "argument --today: must be a date written YYYY-MM-DD, not '2026-13-01'"),
    (["--older-than", "-5"], "argument --older-than: must be a whole number of days, not '-5'"),
    (["--fail-after", "soon"], "argument --fail-after: must be a whole number of days, not 'soon'"),
])
def test_bad_options_are_usage_errors(dated, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        cli(["--content", str(dated), "review", *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
