"""Each platform's real webhook call to the running assistant, and the reply as the platform receives it.

The server runs in the test process (conftest.py) so that calls out to the platforms are caught at the
client library's boundary; the action server and the trained model are the real ones.
"""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Callable

import pytest
import requests

from bot.channels.sms import SMS_LIMIT, TwilioSmsOutput
from tests.channels.platforms import (
    ENV,
    activity,
    messenger,
    slack_button,
    slack_message,
    telegram_button,
    telegram_message,
    twilio_sms,
)

pytestmark = pytest.mark.e2e
CRISIS_NUMBERS = ("911", "1-888-373-7888")
GREETING_OPTIONS = ["Signs of trafficking", "Federal laws", "Publications", "Who do I call?"]


def sms(assistant, sender: str, text: str) -> list[str]:
    url = f"{assistant.url}/webhooks/twilio/webhook"
    form, headers = twilio_sms(url, sender, text)
    start = assistant.mark()
    assert requests.post(url, data=form, headers=headers, timeout=60).status_code == 204
    return [call["body"] for call in assistant.sent("twilio", sender, start)]


def facebook(assistant, sender: str, text: str, quick_reply: str | None = None) -> list[dict[str, Any]]:
    body, headers = messenger(sender, text, quick_reply)
    start = assistant.mark()
    response = requests.post(f"{assistant.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=60)
    assert response.text == "success"
    return [call["message"] for call in assistant.sent("facebook", sender, start)]


def slack(assistant, user: str, text: str, button: bool = False) -> list[dict[str, Any]]:
    channel = "D" + user  # the app's direct-message channel with this user
    body, headers = slack_button(user, channel, text) if button else slack_message(user, channel, text)
    start = assistant.mark()
    assert requests.post(f"{assistant.url}/webhooks/slack/webhook", data=body, headers=headers, timeout=60).ok
    return assistant.sent("slack", channel, start)


def telegram(assistant, chat: int, text: str, button: bool = False) -> list[dict[str, Any]]:
    update = telegram_button(chat, text) if button else telegram_message(chat, text)
    start = assistant.mark()
    response = requests.post(f"{assistant.url}/webhooks/telegram/webhook", json=update, timeout=60,
                             headers={"X-Telegram-Bot-Api-Secret-Token": ENV["TELEGRAM_WEBHOOK_SECRET"]})
    assert response.text == "success"
    return assistant.sent("telegram", str(chat), start)


def teams(assistant, user: str, text: str) -> list[dict[str, Any]]:
    service_url = assistant.fake.url
    start = assistant.mark()
    response = requests.post(f"{assistant.url}/webhooks/botframework/webhook", json=activity(service_url, user, text),
                             headers={"Authorization": f"Bearer {assistant.auth.token(service_url)}"}, timeout=60)
    assert response.text == "success"
    return assistant.sent("botframework", user, start)


def rest_reply(assistant, message: str) -> str:
    """The first reply text to `message` over the REST channel (a new conversation)."""
    reply = requests.post(f"{assistant.url}/webhooks/rest/webhook", json={"sender": "rest", "message": message},
                          timeout=60).json()
    return reply[0]["text"]


def messenger_text(message: dict[str, Any]) -> str:
    return message.get("text") or message["attachment"]["payload"]["text"]


def teams_text(activity_sent: dict[str, Any]) -> str:
    cards = activity_sent.get("attachments", [])
    return "\n".join([activity_sent["text"], *(card["content"].get("text", "") for card in cards)])


# Each platform: send a text from a conversation of its own, get the reply text as the user sees it.
SAY: dict[str, Callable[[Any, str, str], str]] = {
    "sms": lambda a, who, text: "\n".join(sms(a, "+1000555" + who, text)),
    "messenger": lambda a, who, text: "\n".join(map(messenger_text, facebook(a, "1000000000" + who, text))),
    "slack": lambda a, who, text: "\n".join(m["text"] for m in slack(a, "U" + who, text)),
    "telegram": lambda a, who, text: "\n".join(m["text"] for m in telegram(a, int("7" + who), text)),
    "teams": lambda a, who, text: "\n".join(map(teams_text, teams(a, "29:" + who, text))),
}


@pytest.mark.parametrize("platform", SAY)
def test_a_crisis_message_gets_911_and_the_hotline_on_every_platform(assistant, platform):
    reply = SAY[platform](assistant, "0001", "I am in danger")
    assert all(number in reply for number in CRISIS_NUMBERS), reply


@pytest.mark.parametrize("platform", SAY)
def test_a_knowledge_question_is_answered_with_its_source_and_plain_links(assistant, platform):
    reply = SAY[platform](assistant, "0002", "what are the signs of labor trafficking?")
    assert "employer" in reply and "Source:" in reply and "https://" in reply, reply
    assert "](" not in reply and "<http" not in reply  # links in plain form


def test_sms_buttons_are_numbered_options_and_a_typed_number_picks_one(assistant):
    greeting = sms(assistant, "+10005550201", "hi")
    assert greeting[-1].endswith("Reply 1 for Signs of trafficking, 2 for Federal laws, 3 for Publications, "
                                 "4 for Who do I call?")
    picked = sms(assistant, "+10005550201", "1")
    assert picked[0].startswith(rest_reply(assistant, "/ask_signs"))  # "1" did what the button's payload does
    assert "Reply 1 for" in picked[-1]  # the answer's own options, numbered again
    sms(assistant, "+10005550202", "hi")
    situations = sms(assistant, "+10005550202", "4.")[-1]  # "Who do I call?": five choices, a line each
    assert "Reply with a number:\n1 " in situations and "\n3 Suspected trafficking" in situations
    assert "1-888-373-7888" in "\n".join(sms(assistant, "+10005550202", "3"))


def test_a_number_without_options_is_just_text(assistant):
    sms(assistant, "+10005550203", "I am in danger")  # a reply without options
    assert sms(assistant, "+10005550203", "3")  # answered (as text), not an error


def test_sms_replies_stay_within_1600_characters(assistant):
    assert all(len(call["body"]) <= SMS_LIMIT for call in assistant.outbox if call["platform"] == "twilio")


def test_a_long_sms_is_split_without_losing_the_crisis_numbers_or_cutting_a_link(assistant):
    """Straight through the output channel (no reply of this assistant is this long), caught at twilio's
    MessageList.create like the others."""
    link = "https://www.acf.hhs.gov/otip"
    text = "\n".join([*(f"Paragraph {n}: " + "word " * 60 + link for n in range(12)),
                      "If you are in danger, call 911. National Human Trafficking Hotline: 1-888-373-7888."])
    output = TwilioSmsOutput(ENV["TWILIO_ACCOUNT_SID"], ENV["TWILIO_AUTH_TOKEN"], ENV["TWILIO_NUMBER"])
    start = assistant.mark()
    asyncio.run(output.send_text_with_buttons("+10005550204", text, [{"title": "More", "payload": "/more_results"}]))
    bodies = [call["body"] for call in assistant.sent("twilio", "+10005550204", start, quiet=0)]
    assert len(bodies) > 1 and all(len(body) <= SMS_LIMIT for body in bodies)
    joined = "\n".join(bodies)
    assert joined.count(link) == 12 and all(number in joined for number in CRISIS_NUMBERS)
    assert bodies[-1].endswith("Reply 1 for More.")


def test_messenger_buttons_are_quick_replies_and_picking_one_answers(assistant):
    greeting = facebook(assistant, "1000000000000201", "hi")[-1]
    replies = greeting["quick_replies"]
    assert [r["title"] for r in replies] == GREETING_OPTIONS and all(len(r["title"]) <= 20 for r in replies)
    assert all(len(m.get("text", "")) <= 2000 for m in facebook(assistant, "1000000000000201", "Signs of trafficking",
                                                                   quick_reply="/ask_signs"))


def test_slack_buttons_are_block_kit_buttons_and_a_click_answers(assistant):
    greeting = slack(assistant, "U0000201", "hi")[-1]
    buttons = greeting["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == GREETING_OPTIONS
    assert "employer" not in greeting["text"]
    answer = slack(assistant, "U0000201", "/ask_signs", button=True)
    assert answer[0]["text"] == rest_reply(assistant, "/ask_signs")


def test_telegram_buttons_are_an_inline_keyboard_and_a_press_answers(assistant):
    greeting = telegram(assistant, 70000201, "/start")[-1]  # Telegram's first message
    keyboard = json.loads(greeting["reply_markup"])["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [[title] for title in GREETING_OPTIONS]
    start = assistant.mark()
    answer = telegram(assistant, 70000201, "/ask_signs", button=True)
    assert answer[0]["text"] == rest_reply(assistant, "/ask_signs")
    assert any(c["platform"] == "telegram" and c["method"] == "answerCallbackQuery" for c in assistant.outbox[start:])


def test_teams_buttons_are_a_hero_card_that_sends_the_payload(assistant):
    greeting = teams(assistant, "29:0000201", "hi")[-1]
    assert greeting["authorization"] == "Bearer bot-access-token"  # from the (fake) Microsoft login
    card = greeting["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    buttons = card["content"]["buttons"]
    assert [(b["type"], b["title"]) for b in buttons] == [("messageBack", title) for title in GREETING_OPTIONS]
    payload = card["content"]["buttons"][0]["text"]
    assert teams_text(teams(assistant, "29:0000201", payload)[0]).strip() == rest_reply(assistant, "/ask_signs")


def forged(assistant, platform: str) -> requests.Response:
    """The platform's call with a wrong secret."""
    url = f"{assistant.url}/webhooks/{platform}/webhook"
    if platform == "twilio":
        form, _ = twilio_sms(url, "+10005550301", "hi")
        return requests.post(url, data=form, headers={"X-Twilio-Signature": "forged"}, timeout=30)
    if platform == "facebook":
        body, headers = messenger("1000000000000301", "hi")
        return requests.post(url, data=body, headers={**headers, "X-Hub-Signature": "sha1=" + "0" * 40}, timeout=30)
    if platform == "slack":
        body, headers = slack_message("U0000301", "DU0000301", "hi")
        return requests.post(url, data=body, headers={**headers, "X-Slack-Signature": "v0=" + "0" * 64}, timeout=30)
    if platform == "telegram":
        return requests.post(url, json=telegram_message(70000301, "hi"), timeout=30,
                             headers={"X-Telegram-Bot-Api-Secret-Token": "forged"})
    token = assistant.auth.token(assistant.fake.url, issuer="https://example.org")
    return requests.post(url, json=activity(assistant.fake.url, "29:0000301", "hi"), timeout=30,
                         headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("platform", ["twilio", "facebook", "slack", "telegram", "botframework"])
def test_a_call_not_signed_by_the_platform_is_refused(assistant, platform):
    start = assistant.mark()
    response = forged(assistant, platform)
    assert response.status_code in (400, 401, 403) or response.text == "not validated"
    assert not [c for c in assistant.outbox[start:] if re.search(r"0301$", str(c["recipient"]))]
