"""`python -m bot run` in the production configuration: several instances, and refusing unsafe settings."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.cli import ROOT, environment, free_port, rasa_arguments, rasa_ports


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


def test_the_token_is_not_among_the_servers_arguments():
    """Any user of the machine can read a process's arguments (ps, /proc/PID/cmdline): the token goes to
    the Rasa server in RASA_AUTH_TOKEN (tests/security/test_server.py reads the running server's)."""
    arguments = rasa_arguments(environment(RASA_AUTH_TOKEN="-dash-first"), Path("models/assistant.tar.gz"))
    args = create_argument_parser().parse_args(["run", *arguments])  # how bot.server reads them
    assert args.auth_token is None and args.enable_api
    assert not any("dash-first" in argument for argument in arguments)


def test_free_port_never_hands_out_a_port_twice():
    """Two servers started together (an action server and a Rasa server) each get a port of their own,
    even when the kernel offers one it offered before."""
    ports = [free_port() for _ in range(1000)]
    assert len(set(ports)) == len(ports)
