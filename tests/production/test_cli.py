"""`python -m bot run` in the production configuration: several instances, and refusing unsafe settings."""
from __future__ import annotations

import subprocess
import sys

from bot.cli import ROOT, environment, rasa_ports


def test_instances_get_consecutive_ports_from_rasa_port():
    assert rasa_ports({"RASA_PORT": "6005", "RASA_INSTANCES": "3"}) == [6005, 6006, 6007]
    assert rasa_ports({}) == [5005]


def test_several_workers_without_shared_stores_are_refused_before_anything_starts():
    env = environment(SANIC_WORKERS="2", RASA_PORT="1", ACTION_PORT="1")
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "SANIC_WORKERS=2 needs TRACKER_STORE_URL and LOCK_STORE_URL" in result.stderr
