"""What the assistant keeps about the people who write to it: as little as possible.

By default the tracker and lock stores are in memory, so nothing is written anywhere. When a
persistent tracker store is configured, it (bot/tracker_store.py) runs every event through
`redact_event`, which replaces phone numbers, email addresses, street addresses and personal names
in user text, entities, slot values and message metadata with placeholders ([PHONE], [EMAIL],
[ADDRESS], [NAME]) before anything is written. The model still sees the message as typed: only
what is stored changes. Bot messages, and the slot holding the rest of a long answer, are stored as
sent, so the vetted hotline numbers in them stay intact; vetted numbers a user types are kept too
(they are public numbers, not personal data).

Names are found without a pretrained model (docs/PRIVACY.md has the measured precision/recall):
- after "my name is", "my name's", "call me", "named", "called": the next word, even in lower case;
- any capitalised word that is more often written capitalised than not (spaCy's English word
  probabilities), is not a stop word and is not part of the knowledge vocabulary (states, laws,
  topics); at the start of a sentence it must be clearly more often capitalised;
- honorifics (Mr, Mrs, Ms, Miss, Mx, Dr) join the name that follows; adjacent name words join.

The conversation id is personal data too: on SMS it is the sender's phone number. The store keeps
its pseudonym instead (bot/pseudonyms.py).

`python -m bot.privacy evaluate tests/privacy/redaction_cases.yml` measures the rules.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.tokens import Doc

from knowledge.content import CONTENT_DIR, read_content
from knowledge.entities import entity_terms
from knowledge.language import without_surrogates

PLACEHOLDERS = {"email": "[EMAIL]", "phone": "[PHONE]", "address": "[ADDRESS]", "name": "[NAME]"}
KINDS = tuple(PLACEHOLDERS)  # also the priority when matches overlap

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?!\w)"
                   r"|(?<![\w.-])\d{3}[.-]\d{4}(?![\w-])")
STREET_TYPES = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
                r"Terrace|Ter|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Trail|Trl")
ADDRESS = re.compile(rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z][a-z]*\s+){{1,3}}(?i:{STREET_TYPES})\b\.?"
                     r"(?:,?\s+(?i:apt|apartment|suite|ste|unit)\.?\s*#?\w+)?")

# Slots that hold only the assistant's own vetted text, set by actions alone (a `custom` mapping in
# domain.yml, checked by tests/privacy/test_redaction.py): stored as sent, like the bot messages they
# continue. Redacting the rest of a long answer cost 2 ms a message and changed nothing personal.
ASSISTANT_TEXT_SLOTS = frozenset({"more_text"})

NAME_CUES = (("my", "name", "is"), ("my", "name", "'s"), ("my", "names"), ("call", "me"), ("named",), ("called",))
CUE_WORDS = frozenset(cue[1] if cue[0] == "my" else cue[0] for cue in NAME_CUES)  # the word each cue turns on
HONORIFICS = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "mx", "mx.", "dr", "dr."}
START_MARGIN = 1.5  # log-probability by which a sentence-initial word must prefer its capitalised form
RARE_LOWER = -12.0  # a lower-case word after a name cue is a name only when it is this rare


@dataclass(frozen=True)
class Match:
    kind: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _nlp() -> Language:
    return spacy.blank("en")


@lru_cache(maxsize=1)
def _word_log_probability() -> Any:
    return load_lookups("en", ["lexeme_prob"]).get_table("lexeme_prob")


@lru_cache(maxsize=1)
def knowledge_words() -> frozenset[str]:
    """Lower-case words of every state, law and vocabulary phrase: these are never names."""
    phrases = (p for term in entity_terms(read_content()) for p in term.phrases)
    return frozenset(token.lower_ for phrase in phrases for token in _nlp()(phrase))


@lru_cache(maxsize=1)
def vetted_numbers() -> frozenset[str]:
    """The last ten digits of every phone number the knowledge base publishes."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(CONTENT_DIR.glob("*.yml")))
    return frozenset(_digits(m.group()) for m in PHONE.finditer(text))


def load_redaction_data() -> None:
    """Load the word probabilities and vocabularies now rather than in the middle of a message."""
    _word_log_probability(), knowledge_words(), vetted_numbers()


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def _capitalised_preference(word: str) -> float:
    """How much more often (in log probability) the word is written capitalised than in lower case."""
    probability = _word_log_probability()
    return probability.get(word.capitalize(), -20.0) - probability.get(word.lower(), -20.0)


def _is_candidate(word: str) -> bool:
    lower = word.lower()
    return word.isalpha() and len(word) > 1 and lower not in STOP_WORDS and lower not in knowledge_words()


def _looks_like_name(doc: Doc, i: int) -> bool:
    token = doc[i]
    if not (token.is_title and _is_candidate(token.text)):
        return False
    sentence_start = i == 0 or doc[i - 1].text in {".", "!", "?", ","} and i == 1
    return _capitalised_preference(token.text) > (START_MARGIN if sentence_start else 0.0)


def _after_cue(doc: Doc, i: int) -> bool:
    """Does a phrase like "my name is" end right before token i?"""
    words = [t.lower_ for t in doc[max(0, i - 3):i]]
    return any(words[-len(cue):] == list(cue) for cue in NAME_CUES)


def _cued_name(doc: Doc, i: int) -> bool:
    word = doc[i].text
    if not _is_candidate(word):
        return False
    return word.istitle() or _word_log_probability().get(word.lower(), -20.0) < RARE_LOWER


def _may_hold_a_name(text: str) -> bool:
    """A name is a capitalised word or follows a cue ("my name is", "call me", "named", ...): a text
    with neither holds none and needs no tokenising. Most slot values and many messages are such."""
    lower = text.lower()
    return lower != text or any(word in lower for word in CUE_WORDS)


def find_names(text: str) -> list[Match]:
    if not _may_hold_a_name(text):
        return []
    # lone surrogates (a JSON body may carry "\\udcff") cannot enter spaCy; the same length keeps offsets
    doc = _nlp()(without_surrogates(text))
    matches, i = [], 0
    while i < len(doc):
        if (_after_cue(doc, i) and _cued_name(doc, i)) or _looks_like_name(doc, i):
            start = i - 1 if i > 0 and doc[i - 1].lower_ in HONORIFICS else i
            end = i + 1
            while end < len(doc) and doc[end].is_title and _is_candidate(doc[end].text) \
                    and _capitalised_preference(doc[end].text) > 0:
                end += 1
            matches.append(Match("name", doc[start].idx, doc[end - 1].idx + len(doc[end - 1])))
            i = end
        else:
            i += 1
    return matches


def find(text: str) -> list[Match]:
    """Personal data in the text, without overlaps (emails win over phones over addresses over names)."""
    found = [Match("email", m.start(), m.end()) for m in EMAIL.finditer(text)]
    found += [Match("phone", m.start(), m.end()) for m in PHONE.finditer(text)
              if _digits(m.group()) not in vetted_numbers()]
    found += [Match("address", m.start(), m.end()) for m in ADDRESS.finditer(text)]
    found += find_names(text)
    kept: list[Match] = []
    for match in sorted(found, key=lambda m: KINDS.index(m.kind)):
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def redact(text: str) -> str:
    for match in reversed(find(text)):
        text = text[:match.start] + PLACEHOLDERS[match.kind] + text[match.end:]
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a slot value, an entity value or metadata."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def _redact_entities(entities: Iterable[dict]) -> list[dict]:
    return [{**e, "value": redact_value(e.get("value"))} if "value" in e else e for e in entities]


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a serialised Rasa event with the personal data of the user taken out."""
    kind = event.get("event")
    if kind == "user":
        text = event.get("text")
        redacted = redact_value(text)
        event = {**event, "text": redacted, "metadata": redact_value(event.get("metadata"))}
        parse_data = event.get("parse_data")
        if isinstance(parse_data, dict):
            parsed = parse_data.get("text")  # the message again, as a rule: no need to redact it twice
            event["parse_data"] = {**parse_data, "text": redacted if parsed == text else redact_value(parsed),
                                   "metadata": redact_value(parse_data.get("metadata")),
                                   "entities": _redact_entities(parse_data.get("entities") or [])}
        return event
    if kind == "slot" and event.get("name") not in ASSISTANT_TEXT_SLOTS:
        return {**event, "value": redact_value(event.get("value"))}
    if kind == "entities":
        return {**event, "entities": _redact_entities(event.get("entities") or [])}
    return event


def evaluate(cases_file: Path) -> dict[str, tuple[int, int, int]]:
    """Kind -> (true positives, false positives, false negatives) over labelled cases (exact spans)."""
    import yaml

    counts = {kind: [0, 0, 0] for kind in KINDS}
    for case in yaml.safe_load(cases_file.read_text(encoding="utf-8"))["cases"]:
        text = case["text"]
        found = {(m.kind, text[m.start:m.end]) for m in find(text)}
        expected = {(kind, span) for kind in KINDS for span in case.get(kind, [])}
        for kind in KINDS:
            counts[kind][0] += len({f for f in found & expected if f[0] == kind})
            counts[kind][1] += len({f for f in found - expected if f[0] == kind})
            counts[kind][2] += len({f for f in expected - found if f[0] == kind})
    return {kind: (tp, fp, fn) for kind, (tp, fp, fn) in counts.items()}


def _report(counts: dict[str, tuple[int, int, int]]) -> str:
    lines = ["kind      precision  recall   tp  fp  fn"]
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    for kind, (tp, fp, fn) in [*counts.items(), ("all", tuple(totals))]:
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{kind:<9} {precision:9.2f} {recall:7.2f} {tp:4} {fp:3} {fn:3}")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "evaluate":
        raise SystemExit("usage: python -m bot.privacy evaluate CASES.yml")
    print(_report(evaluate(Path(sys.argv[2]))))
