"""Slack: text up to 3000 characters a message, buttons as a Block Kit actions block (up to 25).

Events API and Interactivity request URL: https://HOST/webhooks/slack/webhook (Rasa checks the
X-Slack-Signature of each call).
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput

from bot.channels import text as reply_text

TEXT_LIMIT = 3000  # characters in a section block's text; also keeps plain messages readable
BUTTONS = 25  # elements in one actions block
TITLE_LIMIT = 75  # characters in a button's text


def escaped(text: str) -> str:
    """Slack reads &, < and > in message text as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackOutput(SlackBot):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in reply_text.split(reply_text.plain(text), TEXT_LIMIT):
            await self._post_message(channel=self.slack_channel or recipient_id, as_user=True, text=escaped(part))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        *first, last = reply_text.split(reply_text.plain(text), TEXT_LIMIT) or [""]
        for part in first:
            await self.send_text_message(recipient_id, part)
        actions = [{"type": "button", "text": {"type": "plain_text", "text": b["title"][:TITLE_LIMIT]},
                    "value": b["payload"]} for b in buttons[:BUTTONS]]
        await self._post_message(channel=self.slack_channel or recipient_id, as_user=True, text=escaped(last),
                                 blocks=[{"type": "section", "text": {"type": "plain_text", "text": last}},
                                         {"type": "actions", "elements": actions}])


class SlackInput(RasaSlackInput):
    """Rasa's Slack webhook, answering through SlackOutput."""

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy)
