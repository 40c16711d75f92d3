"""Secrets come only from the environment: nothing secret-looking is tracked in git."""
from __future__ import annotations

import re
import subprocess

import yaml

from tests.conftest import ROOT

# Well-known credential formats (cloud keys, chat platform tokens, private keys)
PATTERNS = {
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Slack token": r"\bxox[abposr]-[0-9A-Za-z-]{10,}",
    "GitHub token": r"\bgh[pousr]_[0-9A-Za-z]{36}\b",
    "Telegram bot token": r"\b\d{8,10}:[0-9A-Za-z_-]{35}\b",
    "Twilio account SID": r"\bAC[0-9a-f]{32}\b",
    "Facebook access token": r"\bEAA[0-9A-Za-z]{30,}",
    "credentials in a URL": r"\b[a-z][a-z0-9+]*://[^\s:/@'\"]+:[^\s@/'\"${}]+@",
}
SECRET_KEY = re.compile(r"(secret|token|password|passwd|api_?key|access_key|private_key|verify)", re.IGNORECASE)
ENVIRONMENT_REFERENCE = re.compile(r"\$\{[^}]+\}")  # ${VAR}, also compose's ${VAR:-default}


def tracked_files() -> list:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in names.split() if (ROOT / name).is_file()]


def test_no_credential_formats_in_tracked_files():
    found = []
    for path in tracked_files():
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{path.relative_to(ROOT)}: {kind}" for kind, pattern in PATTERNS.items() if re.search(pattern, text)]
    assert found == []


def secret_values(node: object, path: str = "") -> list[str]:
    """Keys that look like secrets and hold a literal value instead of ${AN_ENVIRONMENT_VARIABLE}."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if SECRET_KEY.search(str(key)) and isinstance(value, (str, int)) \
                    and not ENVIRONMENT_REFERENCE.search(str(value)):
                found.append(where)
            found += secret_values(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += secret_values(item, f"{path}[{i}]")
    return found


def test_configuration_files_take_secrets_from_the_environment():
    configs = [p for p in tracked_files() if p.suffix in (".yml", ".yaml") and (
        p.name in ("credentials.yml", "endpoints.yml") or "deploy" in p.relative_to(ROOT).parts)]
    assert any(p.name == "credentials.yml" for p in configs)
    found = []
    for path in configs:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found += [f"{path.relative_to(ROOT)}{key}" for key in secret_values(document)]
    assert found == []


def test_the_checks_catch_what_they_should():
    assert secret_values({"telegram": {"access_token": "123:abc", "verify": "${TELEGRAM_VERIFY}"}}) == \
        [".telegram.access_token"]
    password = "hunter2"  # kept apart from the URL so that this file does not match itself
    assert re.search(PATTERNS["credentials in a URL"], f"postgresql://rasa:{password}@db:5432/rasa")
    assert not re.search(PATTERNS["credentials in a URL"], "postgresql://rasa:${DB_PASSWORD}@db/rasa")
