"""Which channels the Rasa server gets: each messaging channel only with all its variables set."""
from __future__ import annotations

import stat

from rasa.shared.utils.io import read_config_file

from bot.channels import credentials
from tests.channels.platforms import ENV

TWILIO = {name: ENV[name] for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER")}


def test_without_variables_only_rest_and_socketio_are_on():
    selection = credentials.select({})
    assert selection.on == ["rest", "socketio"] and selection.incomplete == {}


def test_a_channel_is_on_when_all_its_variables_are_set():
    selection = credentials.select({**TWILIO, "TWILIO_WEBHOOK_URL": "https://example.org/webhooks/twilio/webhook"})
    assert selection.on == ["rest", "socketio", "sms"]


def test_a_half_configured_channel_is_off_and_named_with_what_is_missing():
    selection = credentials.select({**TWILIO, "TELEGRAM_BOT_TOKEN": ENV["TELEGRAM_BOT_TOKEN"]})
    assert selection.on == ["rest", "socketio"]
    assert selection.incomplete == {"sms": ["TWILIO_WEBHOOK_URL"],
                                    "telegram": ["TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"]}
    assert "Channel sms is off: set TWILIO_WEBHOOK_URL" in credentials.describe(selection)


def test_the_file_keeps_placeholders_so_no_secret_is_written(tmp_path, monkeypatch):
    env = {**ENV, "TWILIO_WEBHOOK_URL": "https://example.org/webhooks/twilio/webhook",
           "TELEGRAM_WEBHOOK_URL": "https://example.org/webhooks/telegram/webhook"}
    path, selection = credentials.write(env, tmp_path)
    text = path.read_text()
    assert len(selection.on) == 7
    assert not [value for value in env.values() if value in text]
    assert "${TWILIO_AUTH_TOKEN}" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name, value in env.items():  # Rasa expands the placeholders from the environment when it reads them
        monkeypatch.setenv(name, value)
    read = read_config_file(str(path))
    assert read["bot.channels.sms.TwilioSmsInput"]["auth_token"] == ENV["TWILIO_AUTH_TOKEN"]
    assert read["socketio"]["session_persistence"] is True
