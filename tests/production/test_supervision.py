"""`python -m bot run` keeps the action server and the widget's server running: killed, each is
noticed, logged at ERROR and started again, and answers come back (bot/cli.py, Supervised)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import requests

from bot.cli import ROOT, environment, free_port
from knowledge.db import make_engine
from knowledge.loader import load

pytestmark = pytest.mark.e2e
QUESTION = "what are the signs of labor trafficking?"


def eventually(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"not within {timeout:.0f} s: {what}")


def test_killed_servers_are_started_again_and_answers_come_back(tmp_path, content, model):
    # `model`: trained beforehand, as `bot run` would train first, within the timeout below
    database = f"sqlite:///{tmp_path / 'knowledge.db'}"
    load(make_engine(database), content)
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), WIDGET_PORT=str(free_port()),
                      KB_DATABASE_URL=database, RASA_AUTH_TOKEN="supervision-test-token")
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "RATE_LIMIT_REDIS_URL", "RASA_INSTANCES", "SANIC_WORKERS"):
        env.pop(name, None)
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        run = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True)

    def logged() -> str:
        return log.read_text(encoding="utf-8", errors="replace")

    def answer() -> str:
        # a new conversation each time: the same question again in one gets "the answer just above"
        sender = f"supervision-{time.monotonic_ns()}"
        try:
            response = requests.post(f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook", timeout=30,
                                     json={"sender": sender, "message": QUESTION})
        except requests.RequestException:
            return ""
        return "\n".join(m.get("text", "") for m in response.json()) if response.ok else ""

    def pid(name: str) -> int:
        return int(re.findall(rf"The {name} started \(pid (\d+)\)", logged())[-1])

    def widget_up() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{env['WIDGET_PORT']}/widget.js", timeout=5).ok
        except requests.RequestException:
            return False

    try:
        eventually(lambda: "The assistant is running" in logged() or run.poll() is not None, 300, "bot run starts")
        assert run.poll() is None, logged()
        assert "employer" in answer()

        killed = pid("action server")
        os.killpg(killed, signal.SIGKILL)
        eventually(lambda: "The action server exited (code -9)" in logged(), 30, "the death is noticed")
        assert re.search(r" ERROR .*The action server exited", logged())
        eventually(lambda: "employer" in answer(), 120, "knowledge answers come back")
        assert pid("action server") != killed and not Path(f"/proc/{killed}").exists()  # reaped: no zombie

        killed = pid("widget server")
        os.killpg(killed, signal.SIGKILL)
        eventually(lambda: "The widget server exited (code -9)" in logged(), 30, "the death is noticed")
        eventually(widget_up, 60, "the widget's server is back")
        children = [pid("action server"), pid("widget server")]
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=60)
    assert not any(Path(f"/proc/{child}").exists() for child in children)  # stopped with `bot run`
