"""mypy with the project's configuration (mypy.ini) finds no type errors: how CI checks the types.

Its cache is .mypy_cache (git-ignored): a run after a small change takes a second or two, a first one
about half a minute."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_mypy_finds_no_type_errors():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
