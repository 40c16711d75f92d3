"""Rasa's own checks on the training data, and the test stories against the trained model."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.cli import RASA, environment, train
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def model() -> Path:
    return train()  # a no-op when the model is up to date


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=900)


def test_rasa_data_validate():
    result = rasa("data", "validate")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # Rasa cannot see responses that actions send, nor those its own default actions send
    # (the two-stage and the default fallback); every other warning is a real problem.
    unused = set(re.findall(r"The utterance '(\w+)' is not used in any story or rule", output))
    actions_code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    sent_by_rasa = {"utter_ask_rephrase", "utter_default"}
    assert {u for u in unused - sent_by_rasa if f'"{u}"' not in actions_code} == set()
    other_warnings = [line for line in output.splitlines()
                      if "UserWarning" in line and "is not used in any" not in line]
    assert other_warnings == []


def test_stories(model, tmp_path):
    result = rasa("test", "--stories", "tests/", "--model", str(model), "--fail-on-prediction-errors",
                  "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, details
