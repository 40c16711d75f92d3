"""When a custom action cannot run, the user gets a message with the hotline instead of silence.

Rasa 3.6 logs a failed custom action (action server down, hanging or answering with an error)
and sends the user nothing. Rasa calls every custom action through one class, RemoteAction, which
it looks up by name in rasa.core.actions.action each time it creates one; so a subclass put in its
place covers every custom action with no change to Rasa itself; form validation imports the class
by name, so it is replaced there too. Crisis answers do not need it: they are domain responses,
sent by Rasa without the action server. A quiz's validation that fails rejects the form's slot, so
a crisis message in the middle of a quiz still reaches the crisis rule.

This module installs itself when imported; bot.stores, which every Rasa process loads through
endpoints.yml, imports it, so however Rasa is started with this project's endpoints it has the net.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List

import aiohttp
import jsonschema
import rasa.core.actions.action as rasa_actions
import rasa.core.actions.forms as rasa_forms
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.action_endpoint import KeptAliveEndpoint
from knowledge.dialogue_names import UNAVAILABLE

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# The action after a crisis reply only adds an answer: the crisis reply has given the lines, so when it
# cannot run the person is not handed them again (data/rules/safety.yml).
SILENT_WHEN_DOWN = {"action_answer_after_crisis"}
# Actions answer in tens of milliseconds; Rasa's own limit (5 minutes) would leave a person waiting.
ACTION_TIMEOUT_SECONDS = 30


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """A validator of action server responses, built once.

    Rasa checks each response with `jsonschema.validate`, which checks Rasa's schema of every event
    type itself first, every time: 14 ms of the Rasa server's CPU per custom action here, about half
    of what a whole message costs (scripts/bench.py). Built once, the same check takes 0.2 ms.
    """
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def unavailable_said_this_turn(tracker: DialogueStateTracker, responses: Dict[str, Any]) -> bool:
    """Whether the hotline message went out since the person's latest message. A quiz's first turn
    runs three custom actions (the start, the form's validation, its question): with the action
    server down, each would send it. (The action server, which cannot import this module, has its
    own for the events it gets as JSON: actions/repository.py.)"""
    texts = {variant.get("text") for variant in responses.get(UNAVAILABLE, [])}
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text in texts:
            return True
    return False


class ActionWithFallback(RemoteAction):
    def __init__(self, name: str, action_endpoint: EndpointConfig | None) -> None:
        # connections to the action server kept open between calls (bot/action_endpoint.py)
        super().__init__(name, KeptAliveEndpoint.of(action_endpoint) if action_endpoint else None)

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        if jsonschema.exceptions.best_match(_response_validator().iter_errors(result)) is None:
            return True
        return super()._validate_action_result(result)  # raises Rasa's own error, with its explanation

    async def run(self, output_channel: OutputChannel, nlg: NaturalLanguageGenerator,
                  tracker: DialogueStateTracker, domain: Domain) -> List[Event]:
        try:
            try:
                return await self._run_in_time(output_channel, nlg, tracker, domain)
            except RasaException as error:
                # A connection dropped under load: once more. This project's actions only read, so
                # running one twice is harmless. (RemoteAction raises without `from`, hence __context__.)
                if not isinstance(error.__context__, aiohttp.ClientConnectionError):
                    raise
                return await self._run_in_time(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # part of the dialogue (a form rejecting its slot), handled by Rasa
        except Exception as error:  # noqa: BLE001  Rasa would catch it too, then say nothing
            # The error and the action name only: log lines never carry what the user wrote.
            logger.error("Custom action %s failed (%s: %s); the person gets %s, once a turn (after a "
                         "crisis reply, nothing).", self.name(), type(error).__name__, error, UNAVAILABLE)
            if self.name() in SILENT_WHEN_DOWN or unavailable_said_this_turn(tracker, domain.responses):
                return []
            message = await nlg.generate(UNAVAILABLE, tracker, output_channel.name(),
                                         domain_responses=domain.responses)
            return [create_bot_utterance(message)] if message else []

    async def _run_in_time(self, output_channel: OutputChannel, nlg: NaturalLanguageGenerator,
                           tracker: DialogueStateTracker, domain: Domain) -> List[Event]:
        return await asyncio.wait_for(super().run(output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS)


rasa_actions.RemoteAction = ActionWithFallback
rasa_forms.RemoteAction = ActionWithFallback
