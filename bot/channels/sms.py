"""SMS through Twilio: plain text, buttons as numbered options, at most 1600 characters a message.

Webhook: https://HOST/webhooks/twilio/webhook (the URL configured for the number in Twilio).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import text as reply_text

logger = logging.getLogger(__name__)

SMS_LIMIT = 1600  # Twilio refuses a longer message body


class TwilioSmsOutput(TwilioOutput):
    """One SMS per bot message (split only above the limit), options numbered in the text."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in reply_text.split(reply_text.plain(text), SMS_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, f"{text}\n{reply_text.numbered(buttons)}")

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, image)  # a link costs less than an MMS


class TwilioSmsInput(TwilioInput):
    """Twilio's SMS webhook, checked against the X-Twilio-Signature header; a typed number picks an option."""

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # it raises
        channel = cls(credentials["account_sid"], credentials["auth_token"], credentials["twilio_number"],
                      debug_mode=False)
        channel.webhook_url = credentials["webhook_url"]
        return channel

    def is_from_twilio(self, request: Request, form: RequestParameters) -> bool:
        """Twilio signs the webhook URL it was given plus the form fields with the account's auth token."""
        signature = request.headers.get("X-Twilio-Signature", "")
        return RequestValidator(self.auth_token).validate(self.webhook_url, form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            # Twilio signs the empty fields too, which request.form leaves out.
            form = RequestParameters(parse_qs(request.body.decode(), keep_blank_values=True))
            if not self.is_from_twilio(request, form):
                logger.warning("Twilio webhook with a wrong signature; check TWILIO_WEBHOOK_URL and the auth token")
                return response.text("invalid signature", status=403)
            sender, body = form.get("From"), form.get("Body")
            if not sender or body is None:
                return response.text("", status=204)
            text = await reply_text.resolve_choice(request.app.ctx.agent, sender, body.replace("¡", "@"))
            try:
                await on_new_message(UserMessage(text, self.get_output_channel(), sender, input_channel=self.name()))
            except Exception:  # Twilio retries failed webhooks; one logged failure is enough
                logger.exception("Could not answer an SMS")
            return response.text("", status=204)

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return TwilioSmsOutput(self.account_sid, self.auth_token, self.twilio_number)
