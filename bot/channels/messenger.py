"""Facebook Messenger: plain text up to 2000 characters a message, buttons as quick replies.

Webhook: https://HOST/webhooks/facebook/webhook (Rasa checks the X-Hub-Signature of each call).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List

from fbmessenger import MessengerClient
from fbmessenger.elements import Text as FBText
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, MessengerBot
from sanic import Blueprint, Sanic

from bot.channels import text as reply_text

TEXT_LIMIT = 2000  # characters in a text message
QUICK_REPLIES = 13  # at most this many quick replies
TITLE_LIMIT = 20  # characters in a quick reply title


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1].rstrip() + "…"


class MessengerOutput(MessengerBot):
    """Buttons become quick replies (up to 13, unlike the button template's 3); long text is split."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in reply_text.split(reply_text.plain(text), TEXT_LIMIT):
            self.send(recipient_id, FBText(text=part))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        if len(buttons) > QUICK_REPLIES:  # more options than Messenger shows: numbered text, answered by number
            return await self.send_text_message(recipient_id, f"{text}\n{reply_text.numbered(buttons)}")
        *first, last = reply_text.split(reply_text.plain(text), TEXT_LIMIT) or [""]
        for part in first:
            self.send(recipient_id, FBText(text=part))
        quick_replies = [{"title": short_title(b["title"]), "payload": b["payload"]} for b in buttons]
        await self.send_quick_replies(recipient_id, last, quick_replies)


class MessengerInput(FacebookInput):
    """Rasa's Messenger webhook, answering through MessengerOutput; a typed number picks an option."""

    app: Sanic  # set by remember_app below, before any message comes

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_through_messenger_output(message: UserMessage) -> Any:
            # Rasa's webhook builds its own MessengerBot for each message; answer through ours instead.
            message.output_channel = MessengerOutput(message.output_channel.messenger_client)
            message.text = await reply_text.resolve_choice(self.app.ctx.agent, message.sender_id, message.text)
            return await on_new_message(message)

        webhook = super().blueprint(answer_through_messenger_output)

        @webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self.app = app  # its agent holds the conversations

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(MessengerClient(self.fb_access_token))
