"""Reply text for platforms that show plain text only, within a length limit.

Used by every channel module: plain links, splitting without cutting a link or a phone number, and
buttons as numbered options that the user answers by typing the number.

Only buttons that send an intent ("/ask_signs") are numbered. Those that send words a person can type
(a quiz's "a", "b", "skip", "stop"; a drill's "next") are shown as those words, and a typed number
never stands for them: the quiz reads "2" as its second option itself, so a digit means the same on
every channel, the web widget included (numbered, "4" was "skip" on SMS after a 3-option question).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.shared.core.events import BotUttered, UserUttered

Button = Dict[str, Any]

MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
ANGLE_LINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
# Never split inside these. Phone numbers are the spaced forms only; unspaced ones never contain
# a split point anyway.
UNSPLITTABLE = re.compile(r"https?://\S+|www\.\S+|(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}")
CHOICE = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def plain(text: str) -> str:
    """Markdown links and bold as plain text: "[title](url)" → "title: url"."""
    text = MARKDOWN_LINK.sub(lambda m: m.group(2) if m.group(1) == m.group(2) else f"{m.group(1)}: {m.group(2)}",
                             text)
    text = ANGLE_LINK.sub(r"\1", text)
    return BOLD.sub(lambda m: m.group(1) or m.group(2), text)


def split(text: str, limit: int) -> List[str]:
    """`text` in parts of at most `limit` characters, cut between paragraphs, lines, sentences or
    words (in that order of preference) and never inside a link or a phone number. Nothing is lost."""
    parts: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def _cut(text: str, limit: int) -> int:
    spans = [m.span() for m in UNSPLITTABLE.finditer(text)]

    def inside(position: int) -> int | None:
        return next((start for start, end in spans if start < position < end), None)

    for separator, keep in (("\n\n", 0), ("\n", 0), (". ", 1), (" ", 0)):
        position = text.rfind(separator, 0, limit + 1 - keep)
        while position > limit // 4:  # a cut this early would leave a uselessly short part
            if inside(position + keep) is None:
                return position + keep
            position = text.rfind(separator, 0, position)
    start = inside(limit)  # one very long word: cut before the link or number it is in, if any
    return start if start else limit


INLINE_OPTIONS = 160  # characters; longer lists of options get a line each


def sends_intent(button: Button) -> bool:
    return str(button.get("payload", "")).startswith("/")


def numbered(buttons: List[Button]) -> str:
    """Buttons as numbered options: "Reply 1 for Signs of trafficking, 2 for Federal laws." when that is
    short, else "Reply with a number:" and one "1 Signs of trafficking" line per option; buttons that
    send words as those words: "Reply a, b, c, skip, repeat or stop."."""
    choices = [b for b in buttons if sends_intent(b)]
    typed = [str(b["payload"]) for b in buttons if not sends_intent(b)]
    words = f"{', '.join(typed[:-1])} or {typed[-1]}" if len(typed) > 1 else "".join(typed)
    if not choices:
        return f"Reply {words}."
    options = ", ".join(f"{number} for {button['title']}" for number, button in enumerate(choices, 1))
    if len(options) <= INLINE_OPTIONS:
        listed = f"Reply {options}" + ("" if options[-1] in ".?!" else ".")
    else:
        listed = "\n".join(["Reply with a number:", *(f"{n} {b['title']}" for n, b in enumerate(choices, 1))])
    return f"{listed}\nOr reply {words}." if typed else listed


def offered_buttons(tracker: Any) -> List[Button]:
    """The buttons of the assistant's latest turn (since the user's last message)."""
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered) and event.data.get("buttons"):
            return event.data["buttons"]
    return []


async def resolve_choice(agent: Any, sender_id: str, text: str) -> str:
    """A typed option number as the payload of that numbered button, any other text unchanged.

    The options are read from the conversation's tracker, not remembered in this process: the tracker
    store is shared by every server instance (and survives a restart), so the reply to "2" is right
    whichever instance receives it."""
    match = CHOICE.match(text or "")
    if not match or agent is None:
        return text
    buttons = [b for b in offered_buttons(await agent.tracker_store.retrieve(sender_id)) if sends_intent(b)]
    number = int(match.group(1))
    return buttons[number - 1]["payload"] if 1 <= number <= len(buttons) else text
