"""bot/last_resort.py: a message that cannot be handled still gets an answer, a crisis one first.

The agent is a stand-in here; tests/production/test_reliability.py takes PostgreSQL and Redis away
from the real server."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from bot.last_resort import answered
from tests.conftest import ROOT

DOMAIN = Domain.from_path(ROOT / "domain.yml")


class Agent(SimpleNamespace):
    """What `answered` uses of Rasa's Agent: the domain, the NLG, parse_message."""

    def __init__(self, intent: str, nlu_works: bool = True, spanish: bool = False) -> None:
        nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
        super().__init__(domain=DOMAIN, processor=SimpleNamespace(nlg=nlg))
        self.intent, self.nlu_works, self.spanish = intent, nlu_works, spanish

    async def parse_message(self, text: str) -> dict[str, Any]:
        if not self.nlu_works:
            raise RuntimeError("model not loaded")
        entities = [{"entity": "language", "value": "es", "start": 0, "end": len(text)}] if self.spanish else []
        return {"text": text, "intent": {"name": self.intent, "confidence": 1.0}, "entities": entities}


def replies(agent: Agent, says_first: str | None = None) -> list[str]:
    """What the person gets when handling fails, after `says_first` was sent (if given)."""

    async def failing_handler(message: UserMessage) -> None:
        if says_first:
            await message.output_channel.send_response(message.sender_id, {"text": says_first})
        raise ConnectionRefusedError("tracker store unreachable")

    channel = CollectingOutputChannel()
    asyncio.run(answered(agent, failing_handler)(UserMessage("...", channel, "someone")))
    return [m["text"] for m in channel.messages]


@pytest.mark.parametrize("intent, numbers", [("crisis", ["911", "1-888-373-7888", "233733"]), ("suicidal", ["988"])])
def test_a_crisis_gets_the_crisis_answer_even_after_something_was_said(intent, numbers):
    for says_first in (None, "Here are the signs..."):
        last = replies(Agent(intent), says_first)[-1]
        assert all(number in last for number in numbers)


@pytest.mark.parametrize("intent, words", [("crisis", ["911", "1-888-373-7888", "llama", "español"]),
                                           ("suicidal", ["911", "988", "marca 2 para español"]),
                                           ("spanish", ["911", "1-888-373-7888", "en español"])])
def test_a_spanish_message_gets_the_spanish_answer(intent, words):
    """The language slot comes from this message alone: the conversation could not be read."""
    reply = replies(Agent(intent, spanish=True))[-1]
    assert all(word in reply for word in words)
    assert "call" not in reply


def test_any_other_message_gets_the_hotline_unless_it_was_answered_already():
    reply = replies(Agent("ask_signs"))
    assert len(reply) == 1 and "can't look that up right now" in reply[0] and "1-888-373-7888" in reply[0]
    assert replies(Agent("ask_signs"), says_first="Here are the signs...") == ["Here are the signs..."]


def test_with_the_nlu_failing_too_the_hotline_and_911_still_go_out():
    reply = replies(Agent("crisis", nlu_works=False))
    assert len(reply) == 1 and "911" in reply[0] and "1-888-373-7888" in reply[0]


def test_a_message_that_is_handled_is_left_alone():
    async def handler(message: UserMessage) -> str:
        await message.output_channel.send_response(message.sender_id, {"text": "hello"})
        return "handled"

    channel = CollectingOutputChannel()
    result = asyncio.run(answered(Agent("greet"), handler)(UserMessage("hi", channel, "someone")))
    assert result == "handled" and [m["text"] for m in channel.messages] == ["hello"]
