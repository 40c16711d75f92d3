"""When a message cannot be handled at all, the person still gets an answer, a crisis one first.

Rasa handles a message under the conversation's lock (Redis in production), with the conversation
read from the tracker store (PostgreSQL) and written back. When either cannot be reached, or
anything else fails, Rasa logs the error and answers nothing: the REST channel sends an empty list,
socket.io and the messaging channels stay silent. Someone writing "I am in danger" would get silence.

`install` (a Sanic listener, after the agent is loaded) puts `answered` around the agent's
`handle_message`, through which every channel's message goes. When handling fails, the message still
goes through the NLU pipeline, which needs no store (the classifier and the crisis safety net):

- a crisis or suicidal message gets the crisis answer (911, the National Human Trafficking Hotline,
  988), even if something was said already: repeating it does no harm;
- any other message gets `utter_service_unavailable` (the hotline and 911), unless it was answered
  already and only saving the conversation failed.

The conversation cannot be read, so the answer is rendered for a fresh one, with the language of
this message only (bot/components/language.py): a Spanish message gets the Spanish variation.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.components.language import LANGUAGE
from knowledge.dialogue_names import CRISIS_RESPONSES, UNAVAILABLE

logger = logging.getLogger(__name__)



async def install(app: Sanic, _loop: Any = None) -> None:
    """Listener (after_server_start, once the agent is loaded)."""
    agent: Agent | None = getattr(app.ctx, "agent", None)
    if agent is not None:
        agent.handle_message = answered(agent, agent.handle_message)


def answered(agent: Agent, handle_message: Callable[[UserMessage], Awaitable[Any]]
             ) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        said = _count_responses(message.output_channel)
        try:
            return await handle_message(message)
        except Exception as error:  # noqa: BLE001  Rasa would log it and say nothing
            response = await _last_resort(agent, message, answered_already=said[0] > 0)
            # the error and what was sent: log lines never carry what the user wrote
            logger.error("A message could not be handled (%s: %s); sent %s.", type(error).__name__, error, response)
            return None

    return handle


def _count_responses(channel: OutputChannel) -> list[int]:
    """Count what Rasa sends on this message's channel: every bot message goes through send_response."""
    count, send_response = [0], channel.send_response

    async def counted(recipient_id: str, message: dict[str, Any]) -> None:
        count[0] += 1
        await send_response(recipient_id, message)

    channel.send_response = counted  # this message's channel only
    return count


async def _last_resort(agent: Agent, message: UserMessage, answered_already: bool) -> str | None:
    response: str | None = UNAVAILABLE
    tracker = DialogueStateTracker(message.sender_id or "", agent.domain.slots)
    try:
        parsed = await agent.parse_message(message.text or "")
        intent = (parsed.get("intent") or {}).get("name")
        response = CRISIS_RESPONSES.get(intent or "", None if answered_already else UNAVAILABLE)
        for entity in parsed.get("entities") or []:
            if entity.get("entity") == LANGUAGE:
                tracker.update(SlotSet(LANGUAGE, entity.get("value")))
    except Exception as error:  # noqa: BLE001  the hotline then, whatever the message was
        logger.error("The NLU pipeline failed too (%s); sending %s.", type(error).__name__, response)
    if response is None:
        return None
    reply = await agent.processor.nlg.generate(response, tracker, message.output_channel.name(),
                                               domain_responses=agent.domain.responses)
    if reply:
        await message.output_channel.send_response(message.sender_id or "", reply)
    return response
