"""A content file with a mistake is rejected with its file, line and entry named."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.__main__ import main as cli
from knowledge.content import ContentError, read_content


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def problems(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as error:
        read_content(content_dir)
    return [str(p) for p in error.value.problems]


def test_the_shipped_content_is_valid(content):
    assert len(content.hotlines) == 15
    assert len(content.state_lines) == 54
    assert {law.key for law in content.laws} >= {"tvpa", "pstsfa", "jvta", "tvppra", "capta"}
    assert len(content.publications) >= 15
    every = [*content.hotlines, *content.laws, *content.publications, *content.answers, *content.state_lines]
    assert all(entry.source_url and entry.last_verified for entry in every)


def test_a_bad_phone_number_names_file_line_and_entry(content_dir):
    path = content_dir / "hotlines.yml"
    replace(path, "phone: 1-800-843-5678", "phone: 1-800-THE-LOST")
    line = line_of(path, "1-800-THE-LOST")
    found = problems(content_dir)
    assert any(p.startswith("hotlines.yml:") and "ncmec" in p and "'phone'" in p for p in found), found
    # the line of the entry's mapping or the field itself, never a guess elsewhere in the file
    number = int(next(p for p in found if "'phone'" in p).split(":")[1])
    assert 0 < line - number < 15


def test_missing_required_field_and_unknown_topic_are_both_reported(content_dir):
    replace(content_dir / "publications.yml", "type: guide", "type: guidebook")
    replace(content_dir / "laws.yml", "key: jvta", "key: jvta\n    source_url_typo: x")
    found = problems(content_dir)
    assert any("publications.yml" in p and "'type' must be one of" in p for p in found), found
    assert any("laws.yml" in p and "jvta" in p and "unknown field 'source_url_typo'" in p for p in found), found


def test_unknown_vocabulary_reference_is_rejected(content_dir):
    replace(content_dir / "publications.yml", "audiences: [caseworkers]", "audiences: [case_workers]")
    found = problems(content_dir)
    assert any("unknown audience 'case_workers'" in p for p in found), found


def test_bad_url_and_bad_date(content_dir):
    replace(content_dir / "state_reporting_lines.yml", "last_verified: 2026-11-24", "last_verified: yesterday")
    replace(content_dir / "hotlines.yml", "source_url: https://", "source_url: htps//")
    found = problems(content_dir)
    assert any("state_reporting_lines.yml" in p and "AL" in p and "YYYY-MM-DD" in p for p in found), found
    assert any("hotlines.yml" in p and "http(s) URL" in p for p in found), found


def test_invalid_yaml_reports_the_line(content_dir):
    path = content_dir / "laws.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - key: [unclosed\n", encoding="utf-8")
    found = problems(content_dir)
    assert any(p.startswith("laws.yml:") and "not valid YAML" in p for p in found), found


def test_duplicate_keys_and_shared_law_aliases(content_dir):
    replace(content_dir / "laws.yml", "key: jvta", "key: pstsfa")
    found = problems(content_dir)
    assert any("duplicate key" in p for p in found), found


def test_statewide_line_without_phone(content_dir):
    replace(content_dir / "state_reporting_lines.yml", "phone: 1-800-478-4444", "phone: null")
    found = problems(content_dir)
    assert any("AK" in p and "statewide line needs 'phone'" in p for p in found), found


def test_a_state_line_s_example_flag_and_evidence_are_checked(content_dir):
    path = content_dir / "state_reporting_lines.yml"
    replace(path, "phone: 1-800-540-4000\n        example: true", "phone: 1-800-540-4000\n        example: maybe")
    replace(path, "    evidence: \"To make a report,", "    evidence: \"" + "x" * 500 + " To make a report,")
    found = problems(content_dir)
    assert any("CA" in p and "'example: true'" in p for p in found), found
    assert any("OH" in p and "'evidence' must be an excerpt" in p for p in found), found


# States whose line was cited from a newspaper, school, training or nonprofit page before issue 21 and
# now cites the state agency's own page (or, for CA and CT, the agency page the reference names)
AGENCY_PAGES = {"CA": "www.cdss.ca.gov", "CT": "portal.ct.gov", "DE": "dpr.delaware.gov", "NJ": "nj.gov",
                "NY": "ocfs.ny.gov", "OH": "jfs.ohio.gov", "OR": "www.oregon.gov"}


def test_state_lines_cite_the_state_agency_s_own_page(content):
    lines = {line.abbr: line for line in content.state_lines}
    for abbr, host in AGENCY_PAGES.items():
        assert lines[abbr].source_url.split("/")[2] == host, (abbr, lines[abbr].source_url)
        assert lines[abbr].evidence, abbr
    for line in content.state_lines:  # a page read on a date other than the reference's names what it says
        if line.last_verified.isoformat() != "2026-11-24" and line.abbr in AGENCY_PAGES:
            assert line.evidence and len(line.evidence) <= 500, line.abbr


def test_validate_command_exit_codes(content_dir, capsys):
    assert cli(["--content", str(content_dir), "validate"]) == 0
    replace(content_dir / "hotlines.yml", "phone: 1-800-843-5678", "phone: 800 843 567")
    assert cli(["--content", str(content_dir), "validate"]) == 1
    assert "hotlines.yml" in capsys.readouterr().err
