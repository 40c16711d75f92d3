"""deploy/ agrees with the code: images on the pinned versions, the variables the code reads, the
ports it listens on, and endpoints.yml. (Images cannot be pulled here, so this reads the files.)"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rasa
import rasa_sdk
import yaml

from bot.stores import configuration_errors
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
RASA_SERVICES = [name for name, s in SERVICES.items()
                 if s.get("build", {}).get("dockerfile") == "deploy/rasa.Dockerfile"]
PINS = dict(re.findall(r"^([\w.-]+)==([\w.]+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE))


def dockerfile(name: str) -> str:
    return (DEPLOY / name).read_text(encoding="utf-8")


def instruction(text: str, keyword: str) -> list[str]:
    """Every `keyword` instruction's argument, continuation lines joined."""
    joined = text.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(keyword + " ")]


def environment(service: str) -> dict[str, str]:
    """A service's environment with ${VAR...} substitutions filled in as compose would with VAR=value."""
    env = SERVICES[service].get("environment", {})
    return {k: re.sub(r"\$\{(\w+)[^}]*\}", "value-of-the-variable", str(v)) for k, v in env.items()}


def test_images_are_built_on_the_official_images_at_the_pinned_versions():
    assert instruction(dockerfile("rasa.Dockerfile"), "FROM") == [f"rasa/rasa:{PINS['rasa']}"]
    assert instruction(dockerfile("actions.Dockerfile"), "FROM") == [f"rasa/rasa-sdk:{PINS['rasa-sdk']}"]
    assert rasa.__version__ == PINS["rasa"] and rasa_sdk.__version__ == PINS["rasa-sdk"]


@pytest.mark.parametrize("name", ["rasa.Dockerfile", "actions.Dockerfile"])
def test_what_the_images_copy_exists(name):
    for argument in instruction(dockerfile(name), "COPY"):
        for source in argument.split()[:-1]:
            assert (ROOT / source).exists(), source


def test_two_rasa_servers_share_the_production_stores():
    assert len(RASA_SERVICES) == 2
    for service in RASA_SERVICES:
        env = environment(service)
        assert configuration_errors({**env, "RASA_INSTANCES": str(len(RASA_SERVICES))}) == []
        assert int(env["SANIC_WORKERS"]) > 1
        tracker, lock = urlsplit(env["TRACKER_STORE_URL"]), urlsplit(env["LOCK_STORE_URL"])
        assert (tracker.hostname, tracker.port) == ("postgres", 5432) and (lock.hostname, lock.port) == ("redis", 6379)
    assert int(environment("actions")["ACTION_SERVER_SANIC_WORKERS"]) > 1


def test_every_variable_endpoints_yml_needs_is_set():
    needed = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text(encoding="utf-8")))
    for service in RASA_SERVICES:
        assert needed <= environment(service).keys()


def test_the_stores_named_in_endpoints_yml_are_the_ones_reading_the_environment():
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["type"] == "bot.stores.EnvTrackerStore"
    assert endpoints["lock_store"]["type"] == "bot.stores.EnvLockStore"


def _names_read() -> set[str]:
    """Upper-case names quoted, or expanded with $, in this project, its Dockerfiles, Rasa and its SDK."""
    texts = [p.read_text(encoding="utf-8") for d in ("bot", "actions", "knowledge") for p in (ROOT / d).rglob("*.py")]
    for package in (rasa, rasa_sdk):
        texts += [p.read_text(encoding="utf-8") for p in Path(package.__file__).parent.rglob("*.py")]
    texts += [dockerfile("rasa.Dockerfile"), dockerfile("actions.Dockerfile")]
    found = re.findall(r"\"([A-Z][A-Z0-9_]+)\"|\$\{?([A-Z][A-Z0-9_]+)", "\n".join(texts))
    return {name for pair in found for name in pair if name}


def test_every_variable_set_for_our_images_is_read_by_something():
    read = _names_read()
    for service, spec in SERVICES.items():
        if "build" in spec:
            assert set(spec.get("environment", {})) <= read, service


def test_ports_agree_between_code_compose_nginx_and_images():
    rasa_cmd = yaml.safe_load(instruction(dockerfile("rasa.Dockerfile"), "CMD")[0])
    assert rasa_cmd[:3] == ["python", "-m", "bot.server"]  # rasa run with the security policy
    actions_cmd = yaml.safe_load(instruction(dockerfile("actions.Dockerfile"), "CMD")[0])
    assert rasa_cmd[rasa_cmd.index("--port") + 1] == "5005" == instruction(dockerfile("rasa.Dockerfile"), "EXPOSE")[0]
    assert actions_cmd[actions_cmd.index("--port") + 1] == "5055" == instruction(dockerfile("actions.Dockerfile"),
                                                                                 "EXPOSE")[0]
    cli = (ROOT / "bot" / "cli.py").read_text(encoding="utf-8")
    assert '"RASA_PORT", "5005"' in cli and '"ACTION_PORT", "5055"' in cli  # the same defaults as `make run`
    for service in RASA_SERVICES:
        assert SERVICES[service]["expose"] == ["5005"]
        action_url = urlsplit(environment(service)["ACTION_SERVER_URL"])
        assert (action_url.hostname, action_url.port, action_url.path) == ("actions", 5055, "/webhook")
    assert SERVICES["actions"]["expose"] == ["5055"]
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for upstream in re.findall(r"upstream \w+ \{(.*?)\}", nginx, re.DOTALL):
        assert sorted(re.findall(r"server ([\w-]+):(\d+)", upstream)) == [(s, "5005") for s in sorted(RASA_SERVICES)]
    assert re.search(r"listen 5005;", nginx) and SERVICES["nginx"]["ports"] == ["5005:5005"]
    # 8080 is the web widget's; by default the Rasa servers let it call them (CORS).
    assert all("http://localhost:8080" in SERVICES[s]["environment"]["RASA_CORS_ORIGINS"] for s in RASA_SERVICES)


def test_secrets_come_only_from_the_environment():
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in ("RASA_AUTH_TOKEN", "POSTGRES_PASSWORD", "SENDER_ID_KEY"):
        values = re.findall(rf"^\s*{secret}: (.*)$", text, re.MULTILINE)
        assert values and all(v.startswith("${" + secret) for v in values), secret
    assert "POSTGRES_PASSWORD:?" in text and "RASA_AUTH_TOKEN:?" in text  # compose refuses to start without them
