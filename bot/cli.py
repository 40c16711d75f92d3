"""python -m bot train | run | shell | retention

train  trains a model only when config, domain, data, custom components or knowledge changed.
run    starts the action server, the Rasa server (REST and socket.io; HTTP API behind a token) and the
       web widget's demo page; the action server and the widget's server are started again if they exit.
shell  starts the action server and chats in the terminal.
retention [--days N] [--dry-run]  deletes conversations older than N days (RETENTION_DAYS, 30) from the SQL
       tracker store.
Ports and the token come from the environment: ACTION_PORT (5055), RASA_PORT (5005), WIDGET_PORT (8080),
RASA_HOST (127.0.0.1), RASA_AUTH_TOKEN (a random one per run when unset, never shown), RASA_CORS_ORIGINS,
RASA_PUBLIC_URL (the Rasa server's address as browsers reach it);
bot/security.py lists the security settings (RASA_JWT_SECRET, request size and rate limits).
Production settings (docs/PRODUCTION.md): TRACKER_STORE_URL, LOCK_STORE_URL, KB_DATABASE_URL,
SANIC_WORKERS (per Rasa server), RASA_INSTANCES (Rasa servers on RASA_PORT, RASA_PORT+1, ...),
ACTION_SERVER_SANIC_WORKERS (action server workers). Unset, everything is embedded and in memory.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.security import cors_origins
from knowledge.content import content_hash, read_content
from knowledge.entities import lookup_tables

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
FINGERPRINT = ROOT / "models" / "assistant.fingerprint.json"
LOOKUPS = ROOT / "data" / "nlu" / "lookups.yml"
TRAINING_INPUTS = ["config.yml", "domain.yml", "data", "bot/components", "knowledge/content"]
RASA = str(Path(sys.executable).with_name("rasa"))
logger = logging.getLogger(__name__)
LOCAL = ("127.0.0.1", "0.0.0.0", "::")  # hosts a browser on this machine reaches as localhost / 127.0.0.1


def environment(**overrides: str) -> dict[str, str]:
    env = {**os.environ, **overrides}
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("ACTION_PORT", "5055")
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    return env


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = ROOT / name
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def lookup_tables_yaml() -> str:
    """data/nlu/lookups.yml as the knowledge content says it should be."""
    lines = ["# Generated from knowledge/content by `python -m bot train`; edit the knowledge, not this file.",
             'version: "3.1"', "nlu:"]
    for entity, phrases in lookup_tables(read_content()).items():
        lines += [f"  - lookup: {entity}", "    examples: |"] + [f"      - {p}" for p in phrases]
    return "\n".join(lines) + "\n"


def write_lookup_tables() -> None:
    """Regenerate data/nlu/lookups.yml from the knowledge content (only when it changed)."""
    text = lookup_tables_yaml()
    if not LOOKUPS.exists() or LOOKUPS.read_text(encoding="utf-8") != text:
        LOOKUPS.write_text(text, encoding="utf-8")


def train(force: bool = False) -> Path:
    """Train unless the model was trained from exactly these inputs."""
    write_lookup_tables()
    current = {"inputs": fingerprint(), "knowledge": content_hash()}
    previous = json.loads(FINGERPRINT.read_text()) if FINGERPRINT.exists() else {}
    if MODEL.exists() and previous == current and not force:
        print(f"Model is up to date: {MODEL.relative_to(ROOT)}")
        return MODEL
    # Rasa caches trained components by their training data; knowledge changes are not part of
    # that, so a change of knowledge retrains everything.
    force = force or previous.get("knowledge") != current["knowledge"]
    command = [RASA, "train", "--out", str(MODEL.parent), "--fixed-model-name", "assistant"]
    started = time.monotonic()
    subprocess.run(command + (["--force"] if force else []), cwd=ROOT, env=environment(), check=True)
    FINGERPRINT.write_text(json.dumps(current))
    print(f"Trained {MODEL.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return MODEL


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on now and not handed out before by this process (for tests and
    measurements that start their own servers). The kernel can give the same free port to two calls in
    a row, before the first caller's server binds it: seen in CI, an action server and a Rasa server
    were both given one port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started by `started` or `Supervised`, and its children."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def started(command: list[str], ready_url: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run a server for the duration of the block; stop it (and its children) afterwards."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_up(ready_url, process)
        yield process
    finally:
        stop(process)


class Supervised:
    """A server process that is started again whenever it exits: after FIRST_DELAY seconds, twice as
    long each time it exits again, at most MAX_DELAY; back to FIRST_DELAY once it has run for STABLE.
    Without it, a killed action server stayed a zombie and every knowledge question got the apology."""

    FIRST_DELAY, MAX_DELAY, STABLE = 1.0, 60.0, 60.0

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.stopping = threading.Event()
        self.process = self._start()
        self.watcher = threading.Thread(target=self._watch, name=f"supervisor of the {name}", daemon=True)

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True)
        self.started = time.monotonic()
        logger.info("The %s started (pid %d).", self.name, process.pid)
        return process

    def _watch(self) -> None:
        delay = self.FIRST_DELAY
        while not self.stopping.wait(1):
            code = self.process.poll()  # also reaps it: no zombie
            if code is None:
                if time.monotonic() - self.started >= self.STABLE:
                    delay = self.FIRST_DELAY
                continue
            logger.error("The %s exited (code %s); starting it again in %.0f s.", self.name, code, delay)
            if self.stopping.wait(delay):
                return
            self.process = self._start()
            delay = min(delay * 2, self.MAX_DELAY)

    def stop(self) -> None:
        self.stopping.set()
        if self.watcher.is_alive():
            self.watcher.join()
        stop(self.process)


@contextmanager
def supervised(name: str, command: list[str], ready_url: str, env: dict[str, str]) -> Iterator[Supervised]:
    """Run a server for the duration of the block, started again whenever it exits; stop it afterwards."""
    server = Supervised(name, command, env)
    try:
        wait_until_up(ready_url, server.process)
        server.watcher.start()
        yield server
    finally:
        server.stop()


def action_server(env: dict[str, str], supervise: bool = False) -> contextlib.AbstractContextManager:
    """The action server (yields its process, or its `Supervised` with supervise=True)."""
    port = env["ACTION_PORT"]
    # Only the Rasa servers beside it call the action server, which has no authentication: rasa-sdk
    # would listen on every interface unless SANIC_HOST says otherwise.
    command, ready = [sys.executable, "-m", "bot.action_server", "--port", port], f"http://127.0.0.1:{port}/health"
    env = {"SANIC_HOST": "127.0.0.1", **env}
    return supervised("action server", command, ready, env) if supervise else started(command, ready, env)


def widget(env: dict[str, str]) -> contextlib.AbstractContextManager[Supervised]:
    """The web widget's static server (bot/web/server.py) at RASA_HOST:WIDGET_PORT, supervised."""
    host, port = env.get("RASA_HOST", "127.0.0.1"), env.get("WIDGET_PORT", "8080")
    command = [sys.executable, "-m", "bot.web.server", "--host", host, "--port", port, "--rasa-url", public_url(env)]
    return supervised("widget server", command, f"http://{'127.0.0.1' if host in LOCAL else host}:{port}/", env)


def public_url(env: dict[str, str]) -> str:
    """The Rasa server's address as a browser on this machine reaches it."""
    host, port = env.get("RASA_HOST", "127.0.0.1"), env.get("RASA_PORT", "5005")
    return env.get("RASA_PUBLIC_URL") or f"http://{'127.0.0.1' if host in LOCAL else host}:{port}"


def rasa_arguments(env: dict[str, str], model: Path) -> list[str]:
    """`rasa run`'s arguments for the Rasa server at RASA_HOST:RASA_PORT. The token goes in the
    environment (RASA_AUTH_TOKEN): any user of the machine can read a process's arguments."""
    host, port = env.get("RASA_HOST", "127.0.0.1"), env.get("RASA_PORT", "5005")
    return ["--model", str(model), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            "--interface", host, "--port", port, "--enable-api",
            "--cors", *cors_origins(env)]  # one flag: a repeated --cors keeps only its last origin


def rasa_server(env: dict[str, str], model: Path, token: str) -> contextlib._GeneratorContextManager[subprocess.Popen]:
    """The Rasa server: REST and socket.io channels, the messaging channels that are configured in the
    environment (docs/CHANNELS.md), HTTP API only with the token."""
    # bot.server is `rasa run` with the security policy (auth required, CORS, size and rate limits)
    command = [sys.executable, "-m", "bot.server", *rasa_arguments(env, model)]
    return started(command, f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}/", {**env, "RASA_AUTH_TOKEN": token})


@contextmanager
def assistant(env: dict[str, str], model: Path, token: str) -> Iterator[tuple[subprocess.Popen, subprocess.Popen]]:
    """The action server, then the Rasa server; both stopped when the block ends."""
    with action_server(env) as actions, rasa_server(env, model, token) as rasa:
        yield actions, rasa


def rasa_ports(env: dict[str, str]) -> list[int]:
    """RASA_INSTANCES Rasa servers on consecutive ports from RASA_PORT."""
    first = int(env.get("RASA_PORT", "5005"))
    return [first + n for n in range(int(env.get("RASA_INSTANCES") or 1))]


@contextmanager
def rasa_servers(env: dict[str, str], model: Path, token: str) -> Iterator[list[subprocess.Popen]]:
    """Every Rasa server instance, each stopped when the block ends; they share the stores."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(rasa_server({**env, "RASA_PORT": str(port)}, model, token))
               for port in rasa_ports(env)]


def check_configuration(env: dict[str, str]) -> None:
    from bot.stores import configuration_errors  # imports Rasa, seconds: only when serving

    errors = configuration_errors(env)
    if errors:
        raise SystemExit("Configuration error: " + "; ".join(errors) + " (see docs/PRODUCTION.md)")


def run() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s  - %(message)s")
    env = environment()
    check_configuration(env)
    model = train()
    token = env.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24)
    host = env.get("RASA_HOST", "127.0.0.1")
    widget_port = int(env.get("WIDGET_PORT", "8080"))
    with widget(env), action_server(env, supervise=True), rasa_servers(env, model, token) as servers:
        base = f"http://{host}:{rasa_ports(env)[0]}"
        others = ", ".join(f"http://{host}:{port}" for port in rasa_ports(env)[1:])
        api = ("with the token in RASA_AUTH_TOKEN" if "RASA_AUTH_TOKEN" in env
               else "locked with a random token that is never shown; set RASA_AUTH_TOKEN to use it")
        print(f"""
The assistant is running{f' (more instances: {others})' if others else ''}.
  Chat in the browser: http://{'localhost' if host in LOCAL else host}:{widget_port}/
  Talk to it over REST:
    curl -s {base}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
         -d '{{"sender": "me", "message": "what are the signs of trafficking?"}}'
  Or chat in the terminal: make shell
  HTTP API: {api}
Press Ctrl-C to stop.""", flush=True)
        try:
            servers[0].wait()
        except KeyboardInterrupt:
            print("\nStopping…")


def shell() -> None:
    env = environment()
    model = train()
    with action_server(env):
        subprocess.run([RASA, "shell", "--model", str(model), "--endpoints", "endpoints.yml"], cwd=ROOT, env=env)


def _stop_on_sigterm(*_: object) -> None:
    raise KeyboardInterrupt  # unwinds the `started` blocks, which stop the servers


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C must stop the servers even when started from a script, where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("train").add_argument("--force", action="store_true")
    commands.add_parser("run")
    commands.add_parser("shell")
    retention = commands.add_parser("retention", help="delete old conversations from the SQL tracker store")
    retention.add_argument("--days", type=float, default=None,
                           help="default: RETENTION_DAYS (30), the period the greeting tells people")
    retention.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    retention.add_argument("--url", help="SQLAlchemy URL of the tracker store (default: TRACKER_STORE_URL)")
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            train(args.force)
        elif args.command == "run":
            run()
        elif args.command == "retention":
            from bot.retention import main as retention_main
            from bot.storage_notice import retention_days
            days = args.days if args.days is not None else retention_days(os.environ)
            return retention_main(days, args.dry_run, args.url)
        else:
            shell()
    except KeyboardInterrupt:
        return 130
    return 0
