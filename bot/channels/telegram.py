"""Telegram: text up to 4096 characters a message, buttons as an inline keyboard (one per row).

Webhook: https://HOST/webhooks/telegram/webhook, registered with Telegram when the server starts,
together with a secret that Telegram sends back in every call (X-Telegram-Bot-Api-Secret-Token).
"""
from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import text as reply_text

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # characters in a message
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback data
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities"}  # Telegram's standard commands as intents


class TelegramOutput(RasaTelegramOutput):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in reply_text.split(reply_text.plain(text), TEXT_LIMIT):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     button_type: str | None = None, **kwargs: Any) -> None:
        if any(len(b["payload"].encode()) > CALLBACK_DATA_LIMIT for b in buttons):
            # Telegram would refuse the keyboard: list the options as text, answered by number.
            return await self.send_text_message(recipient_id, f"{text}\n{reply_text.numbered(buttons)}")
        *first, last = reply_text.split(reply_text.plain(text), TEXT_LIMIT) or [""]
        for part in first:
            await self.send_message(recipient_id, part)
        keyboard = InlineKeyboardMarkup(row_width=1)  # one per row: long titles stay readable on phones
        for button in buttons:
            keyboard.row(InlineKeyboardButton(button["title"], callback_data=button["payload"]))
        await self.send_message(recipient_id, last, reply_markup=keyboard)


class TelegramInput(RasaTelegramInput):
    """Telegram's webhook, accepted only with the secret token; a typed number picks an option."""

    app: Sanic  # set by register_webhook below, before any message comes
    output: TelegramOutput | None = None

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # it raises
        channel = cls(credentials["access_token"], None, credentials["webhook_url"], debug_mode=False)
        channel.secret_token = credentials["secret_token"]
        return channel

    def get_output_channel(self) -> TelegramOutput:
        # One bot client per server, created in the server's event loop when first used (Rasa's
        # registers the webhook with asyncio.run here, which fails inside a running loop).
        if self.output is None:
            self.output = TelegramOutput(self.access_token)
        return self.output

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.listener("after_server_start")
        async def register_webhook(app: Sanic, _: Any) -> None:
            self.app = app  # its agent holds the conversations
            try:
                await self.get_output_channel().request(
                    "setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token})
            except Exception as error:  # the message could contain the API URL, which contains the token
                logger.error(f"Could not register the Telegram webhook ({type(error).__name__})")

        @webhook.listener("before_server_stop")
        async def close_client(*_: Any) -> None:
            if self.output is not None:
                await self.output.session.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret_token):
                return response.text("invalid secret token", status=403)
            update = request.json or {}
            callback = update.get("callback_query")
            if callback:  # a button was pressed
                await self.get_output_channel().answer_callback_query(callback["id"])
                chat, text = callback.get("message", {}).get("chat", {}), callback.get("data")
            else:  # edited messages and other updates are not answered
                chat, text = update.get("message", {}).get("chat", {}), update.get("message", {}).get("text")
            if not chat.get("id") or not text:
                return response.text("success")
            sender = str(chat["id"])
            command = (text.split() or [""])[0].split("@")[0]  # "/start@AssistantBot" in a group
            text = COMMANDS.get(command) or await reply_text.resolve_choice(self.app.ctx.agent, sender, text)
            try:
                await on_new_message(UserMessage(text, self.get_output_channel(), sender, input_channel=self.name()))
            except Exception:  # Telegram retries failed webhooks; one logged failure is enough
                logger.exception("Could not answer a Telegram message")
            return response.text("success")

        return webhook
