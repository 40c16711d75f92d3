"""Reading a typed quiz reply: a command (skip, repeat, stop, a new quiz, another topic) or one of the options.

People answer "b", "B)", "(b)", "option b", "I think it's b", "2", "the second one", "last",
or with the option's own words; a button sends the bare letter. Anything that does not point
at exactly one option is None, so the quiz asks again instead of guessing.
"""
from __future__ import annotations

import re
from typing import Sequence

from knowledge.content import LETTERS
from knowledge.language import lemmas_of
from knowledge.language import words as _words  # functions below name their word lists `words`

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}
# Words around a letter, number or ordinal that do not change which option is meant.
FILLER = {
    "i", "im", "it", "its", "s", "is", "think", "guess", "say", "d", "ll", "go", "going", "with", "pick", "choose",
    "option", "answer", "letter", "choice", "number", "the", "one", "my", "please", "maybe", "probably",
    "ok", "okay", "then", "final", "sure", "that", "be", "would", "id", "want", "must", "should", "pls",
}
COMMANDS = {
    "stop": ("stop", "quit", "end", "exit", "cancel", "enough", "done", "finish", "no more", "that's enough",
             "i'm done", "im done", "stop the quiz", "end the quiz", "leave the quiz", "no thanks", "no", "end quiz",
             "nvm", "never mind", "nevermind", "pause", "i have to go", "i gotta go", "gotta go", "bye", "not now"),
    "skip": ("skip", "pass", "next", "next one", "next question", "skip it", "skip this one", "i don't know",
             "i dont know", "dont know", "don't know", "no idea", "not sure", "idk", "move on"),
    "repeat": ("repeat", "again", "say again", "say it again", "repeat that", "repeat the question",
               "what was the question", "show the question again", "come again", "once more"),
    "new": ("new quiz", "another quiz", "restart", "start again", "quiz me"),
    "topic": ("change topic", "new topic", "another topic", "different topic", "other topic"),
}
_COMMAND_WORDS = {"stop", "quit", "skip", "repeat", "pass", "exit", "cancel"}
# In a quiz, these end it or start another wherever they are in a reply that names no option ("ok stop,
# i gotta run to a meeting", "quiz me on laws again"; but "Stop, Observe, Ask, Respond." is an option).
# Not in a drill, whose answers are sentences ("they need to go to a safe place"). A new quiz or topic
# wins over stop: it ends this quiz too.
ANYWHERE = {
    "new": ("new quiz", "another quiz", "different quiz", "restart", "start again", "start over", "quiz me",
            "quiz on"),
    "topic": ("change topic", "change the topic", "new topic", "another topic", "different topic", "other topic",
              "switch topic", "something else"),
    "stop": ("stop", "quit", "end quiz", "end the quiz", "exit", "cancel", "pause", "nvm", "never mind",
             "nevermind", "have to go", "gotta go", "got to go", "need to go", "have to run", "gotta run",
             "got to run", "need to run", "im done", "that's enough", "no more", "bye", "goodbye"),
}


def _phrase(text: str) -> str:
    return " ".join(_words(text))


def command(text: str) -> str | None:
    """skip, repeat, stop, new (quiz) or topic (change), when that is all the message says."""
    said = _phrase(text)
    for name, phrases in COMMANDS.items():
        if said in {_phrase(p) for p in phrases}:
            return name
    words = set(_words(text))
    # "please skip this", "can we stop the quiz now": a command word among filler
    found = [w for w in words & _COMMAND_WORDS]
    if len(found) == 1 and len(words) <= 6:
        word = found[0]
        return {"quit": "stop", "exit": "stop", "cancel": "stop", "pass": "skip"}.get(word, word)
    return None


def quiz_command(text: str) -> str | None:
    """A command, said alone or anywhere in a quiz reply that names no option (ANYWHERE)."""
    said = f" {_phrase(text)} "
    for name, phrases in ANYWHERE.items():
        if any(f" {_phrase(p)} " in said for p in phrases):
            return name
    return command(text)


def letter_pointed_at(text: str) -> str | None:
    """The letter a reply names ("b", "B)", "option b", "it's b"), in range or not; None otherwise."""
    lowered = text.strip().lower()
    # a copied button or option, "b) The National Human Trafficking Hotline"
    copied = re.match(r"^\(?([a-d])\)\s+\S", lowered)
    if copied:
        return copied.group(1)
    words = _words(lowered)
    letters = [w for w in words if w in LETTERS]
    if len(letters) == 1 and all(w in FILLER or w == letters[0] for w in words):
        return letters[0]
    return None


def choice(text: str, options: Sequence[str]) -> int | None:
    """The index of the option a reply names, or None when it names none or several."""
    letter = letter_pointed_at(text)
    if letter is not None:
        index = LETTERS.index(letter)
        return index if index < len(options) else None
    words = _words(text)
    pointers = [w for w in words if w in ORDINALS or w == "last" or (w.isdigit() and len(w) == 1)]
    if len(pointers) == 1 and all(w in FILLER or w in pointers for w in words):
        pointer = pointers[0]
        if pointer == "last":
            return len(options) - 1
        index = ORDINALS[pointer] if pointer in ORDINALS else int(pointer) - 1
        return index if 0 <= index < len(options) else None
    return _by_words(text, options)


def _by_words(text: str, options: Sequence[str]) -> int | None:
    """The option sharing the most meaningful words with the reply, when one clearly does."""
    said = _phrase(text)
    for index, option in enumerate(options):
        if said and said == _phrase(option):
            return index
    reply = set(lemmas_of(text))
    if not reply:
        return None
    scores = [len(reply & set(lemmas_of(option))) for option in options]
    best = max(scores)
    # Two words or more of the option and hardly anything else, and no other option as close: one
    # shared word ("quiz me on laws": "laws") names no option.
    if best < 2 or scores.count(best) > 1 or 3 * best < 2 * len(reply):
        return None
    return scores.index(best)
