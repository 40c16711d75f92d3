"""Microsoft Teams (and other Bot Framework channels): buttons as hero cards that send the payload.

Messaging endpoint: https://HOST/webhooks/botframework/webhook. Rasa checks each call's JWT against
Microsoft's published keys and the app ID (audience); this subclass also checks the issuer.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.channels import text as reply_text

ISSUER = "https://api.botframework.com"  # issuer of the tokens the Bot Connector service sends
BUTTONS_PER_CARD = 6  # a conservative card size for Teams


class TeamsOutput(BotFramework):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, reply_text.plain(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        # messageBack sends the payload to the bot and shows the title in the chat; Rasa's cards pass
        # Rasa's button dicts, which are not Bot Framework card actions.
        actions = [{"type": "messageBack", "title": b["title"], "text": b["payload"], "displayText": b["title"]}
                   for b in buttons]
        cards = [{"contentType": "application/vnd.microsoft.card.hero",
                  "content": {"text": reply_text.plain(text) if start == 0 else "",
                              "buttons": actions[start:start + BUTTONS_PER_CARD]}}
                 for start in range(0, len(actions), BUTTONS_PER_CARD)]
        await self.send(self.prepare_message(recipient_id, {"attachments": cards, "attachmentLayout": "list"}))


class TeamsInput(BotFrameworkInput):
    """Rasa's Bot Framework webhook, answering through TeamsOutput."""

    def _validate_jwt_token(self, jwt_token: str) -> None:
        header = jwt.get_unverified_header(jwt_token)
        if header["kid"] not in self.jwt_keys:
            raise jwt.InvalidKeyError(f"JWT Key with ID {header['kid']} not found.")
        public_key = RSAAlgorithm.from_jwk(self.jwt_keys[header["kid"]])
        if not isinstance(public_key, RSAPublicKey):  # a JWK could also hold a private key
            raise jwt.InvalidKeyError(f"JWT Key with ID {header['kid']} is not a public key.")
        jwt.decode(jwt_token, key=public_key, audience=self.app_id, issuer=ISSUER, algorithms=["RS256"])

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_through_teams_output(message: UserMessage) -> Any:
            # Rasa's webhook builds its own BotFramework output for each message; answer through ours.
            rasa_output = message.output_channel
            message.output_channel = TeamsOutput(rasa_output.app_id, rasa_output.app_password,
                                                 rasa_output.conversation, rasa_output.bot,
                                                 rasa_output.global_uri[: -len("v3/")])
            return await on_new_message(message)

        return super().blueprint(answer_through_teams_output)
