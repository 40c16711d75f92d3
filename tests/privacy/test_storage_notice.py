"""The greeting says what this configuration keeps: never less than the truth."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage_notice import configure, retention_days
from tests.conftest import ROOT


def greeting(env: dict[str, str]) -> str:
    domain = Domain.load(ROOT / "domain.yml")
    configure(domain, env)
    tracker = DialogueStateTracker("someone", domain.slots)  # a new conversation, as Rasa makes it
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    reply = asyncio.run(nlg.generate("utter_greet", tracker, "rest"))
    return reply["text"]


def test_by_default_the_greeting_says_conversations_stay_in_memory():
    text = greeting({})
    session_minutes = Domain.load(ROOT / "domain.yml").session_config.session_expiration_time
    assert "only in this server's memory" in text and f"after {session_minutes:g} minutes of silence" in text
    assert "days" not in text


def test_with_a_persistent_store_the_greeting_says_what_is_kept_and_for_how_long():
    text = greeting({"TRACKER_STORE_URL": "postgresql://db/rasa", "RETENTION_DAYS": "14"})
    assert "keeps conversations for 14 days" in text and "removed automatically" in text
    assert "memory" not in text
    assert "keeps conversations for 30 days" in greeting({"TRACKER_STORE_URL": "postgresql://db/rasa"})


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_a_retention_period_that_makes_no_sense_is_refused(value):
    with pytest.raises(SystemExit, match="RETENTION_DAYS"):
        retention_days({"RETENTION_DAYS": value})
