"""What of a message reaches the NLU pipeline: normalized text, capped in characters and words.

The classifier's cost grows with the square of a message's length: a message of 490,000 words held
the server for 89 s, and everybody's crisis answer with it. Every channel's message goes through the
agent's `handle_message`, so `install` (a Sanic listener, after the agent is loaded) puts `bounded`
around it, outside the rate limit and the last resort: Rasa, the crisis safety net and anything
stored only ever see the prepared text.

- Unicode NFKC: full-width "ｉ ａｍ ｉｎ ｄａｎｇｅｒ", ligatures and the like become the plain letters the
  model and the crisis phrases are written in (the safety net also case-folds);
- lone surrogates become U+FFFD and control characters other than line breaks and tabs are dropped
  (NUL): no encoder downstream accepts the first, nothing means anything by the second;
- at most MAX_CHARACTERS characters and MAX_WORDS words, cut at a word's end. A 3,000-character
  story (about 550 words) fits with room to spare; whoever writes more gets the answer to the first
  part and a note (TOO_LONG) asking for the rest in shorter messages, with 911 and the hotline.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from knowledge.language import without_surrogates

MAX_CHARACTERS = 4_000
MAX_WORDS = 800
WORD = re.compile(r"\S+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TOO_LONG = (f"Your message was long, so I read only its first part (about {MAX_CHARACTERS:,} characters). "
            "Please send the rest in shorter messages. If you are in danger, call 911 or the National Human "
            "Trafficking Hotline: 1-888-373-7888 (or text 233733).")


def prepared(text: str | None) -> tuple[str, bool]:
    """The text the NLU pipeline gets, and whether it was cut."""
    # Normalizing all of a 1 MB message took 15 ms; the cap needs its start only (NFKC and dropping
    # control characters change a text's length, so with a margin).
    whole, text = text or "", (text or "")[:4 * MAX_CHARACTERS]
    text = CONTROL.sub("", unicodedata.normalize("NFKC", without_surrogates(text))).strip()
    cut = text[:MAX_CHARACTERS]
    if len(cut) < len(text) and not text[len(cut)].isspace() and len(cut.split(maxsplit=1)) == 2:
        cut = cut.rsplit(maxsplit=1)[0]  # not in the middle of a word (unless it is all one word)
    for count, word in enumerate(WORD.finditer(cut)):
        if count == MAX_WORDS:
            cut = cut[:word.start()]
            break
    cut = cut.rstrip()
    return cut, len(cut) < len(text) or len(whole) > 4 * MAX_CHARACTERS


def bounded(handle_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        message.text, cut = prepared(message.text)
        result = await handle_message(message)
        if cut:
            await message.output_channel.send_text_message(message.sender_id or "", TOO_LONG)
        return result

    return handle


async def install(app: Sanic, _loop: Any = None) -> None:
    """Listener (after_server_start, once the agent is loaded; installed last, so it runs first)."""
    agent = getattr(app.ctx, "agent", None)
    if agent is not None:
        agent.handle_message = bounded(agent.handle_message)
