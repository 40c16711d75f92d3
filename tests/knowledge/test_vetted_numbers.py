"""Every number the assistant can show equals the vetted reference in ../shared/reference."""
from __future__ import annotations

import csv
import re
import subprocess

import pytest
import yaml

from tests.conftest import ROOT, SHARED

REFERENCE = SHARED / "reference" / "vetted-facts.md"
PHONE = re.compile(r"(?:1-)?\d{3}-\d{3}-\d{4}")


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


@pytest.fixture(scope="module")
def referral_rows() -> dict[str, str]:
    """Referral table of vetted-facts.md: line name -> its 'Voice' and 'Text / chat' cells."""
    rows = {}
    section = REFERENCE.read_text(encoding="utf-8").split("## 2.")[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 4 and cells[0] not in ("Line", "---"):
            rows[cells[0]] = " ".join(cells[1:5])
    return rows


# knowledge key -> the 'Line' cell of its row in vetted-facts.md
REFERENCE_ROWS = {
    "emergency_911": "Emergency",
    "nhth": "National Human Trafficking Hotline",
    "childhelp": "Childhelp National Child Abuse Hotline",
    "ncmec": "NCMEC call center (missing children)",
    "cybertipline": "NCMEC CyberTipline",
    "take_it_down": "Take It Down",
    "lifeline_988": "988 Suicide & Crisis Lifeline",
    "runaway_safeline": "National Runaway Safeline",
    "strong_hearts": "StrongHearts Native Helpline",
    "trevor_project": "The Trevor Project",
    "ndvh": "National Domestic Violence Hotline",
    "love_is_respect": "love is respect",
    "rainn": "RAINN National Sexual Assault Hotline",
    "hsi_tip_line": "HSI Tip Line (law enforcement)",
    "cwig_info": "Child Welfare Information Gateway",
}


def test_every_referral_line_is_in_the_knowledge_base_with_its_vetted_numbers(content, referral_rows):
    assert set(REFERENCE_ROWS.values()) == set(referral_rows), "vetted-facts.md lists other lines"
    hotlines = {h.key: h for h in content.hotlines}
    assert set(hotlines) == set(REFERENCE_ROWS)
    for key, row_name in REFERENCE_ROWS.items():
        row, hotline = referral_rows[row_name], hotlines[key]
        for number in filter(None, [hotline.phone, hotline.vanity, hotline.tty]):
            assert number in row, f"{key}: {number} is not what vetted-facts.md gives ({row})"


def test_the_key_lines_are_exact(content):
    lines = {h.key: h for h in content.hotlines}
    assert lines["nhth"].phone == "1-888-373-7888" and "233733" in lines["nhth"].text
    assert lines["emergency_911"].phone == "911"
    assert lines["lifeline_988"].phone == "988"
    assert lines["childhelp"].phone == "1-800-422-4453"
    assert "not a reporting line" in (lines["childhelp"].not_for or "").lower()
    assert "press 3" not in (lines["lifeline_988"].use_for + (lines["lifeline_988"].text or ""))
    assert not lines["rainn"].text  # no RAINN text number is vetted


def test_state_lines_match_the_reference_csv(content):
    with open(SHARED / "reference" / "state-reporting-numbers.csv", newline="", encoding="utf-8") as f:
        reference = {row["abbr"]: row for row in csv.DictReader(f)}
    assert {line.abbr for line in content.state_lines} == set(reference)
    for line in content.state_lines:
        row = reference[line.abbr]
        vetted = {digits(m) for m in PHONE.findall(f"{row['number']} {row['alt_number']}")}
        shown = [line.phone] + [n["phone"] for n in line.other_numbers]
        for phone in filter(None, shown):
            assert digits(phone) in vetted, f"{line.abbr}: {phone} is not in that row of the reference"
        if row["number"].startswith("NONE"):
            assert not line.statewide, f"{line.abbr} has no statewide line in the reference"
        else:
            assert line.phone and digits(line.phone) == digits(PHONE.findall(row["number"])[0]), line.abbr


def test_domain_responses_use_the_knowledge_base_numbers(content):
    """Crisis and fallback answers live in domain.yml so they work without the action server;
    they must still say exactly what the knowledge base says."""
    nhth = next(h for h in content.hotlines if h.key == "nhth")
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    crisis = responses["utter_crisis"][0]["text"]
    assert "911" in crisis and nhth.phone in crisis and "233733" in crisis
    assert "988" in responses["utter_suicide_crisis"][0]["text"]
    assert "988" in crisis  # a suicidal message the classifier calls "crisis" still gets 988
    assert "1-888-373-7888" in responses["utter_human_handoff"][0]["text"]
    for name, variants in responses.items():
        for variant in variants:
            for found in re.findall(r"\b1-\d{3}-\d{3}-\d{4}\b", variant["text"]):
                assert found == nhth.phone, f"{name} shows {found}, which is not the hotline's number"


def test_no_unvetted_number_anywhere_the_assistant_reads(tmp_path):
    paths = [p for p in ("knowledge", "actions", "bot", "data", "domain.yml", "README.md") if (ROOT / p).exists()]
    result = subprocess.run([str(SHARED / "tools" / "check-numbers"), *paths], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
