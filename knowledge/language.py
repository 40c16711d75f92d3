"""Rule-based English processing with spaCy, built from the knowledge base's own vocabulary.

No pretrained model is needed: a blank English pipeline with the lookup lemmatizer gives lemmas,
and a PhraseMatcher over lemmas finds vocabulary phrases ("CSEC", "group homes", "foster
parents") whatever their inflection. Search and the NLU entity component share this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

SURROGATES = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def english() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def words(text: str) -> list[str]:
    """The lower-case words and numbers of a text, apostrophes dropped ("It's" -> "its")."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def without_surrogates(text: str) -> str:
    """Text with lone surrogates (from broken UTF-8 or JSON escapes such as "\\udcff") replaced by
    U+FFFD, keeping every offset: spaCy cannot encode them and would fail the whole message."""
    return SURROGATES.sub("\ufffd", text)


def analyse(text: str) -> Doc:
    """Lemmatize lower-cased text (the lookup tables are keyed by lower case).

    Lower-casing keeps character offsets for the text people type; where it would not (a few
    non-ASCII letters), the text is processed as it is."""
    text = without_surrogates(text)
    lowered = text.lower()
    return english()(lowered if len(lowered) == len(text) else text)


def content_lemmas(doc: Doc | Span) -> list[str]:
    """Lemmas of the words that carry meaning: no stop words or punctuation. Numbers stay
    ("P.L. 114-22" must find its law)."""
    return [
        token.lemma_.lower()
        for token in doc
        if (token.is_alpha and not token.is_stop and len(token) > 1) or token.is_digit
    ]


@lru_cache(maxsize=256)
def lemmas_of(text: str) -> tuple[str, ...]:
    """The content lemmas of a text, cached: in one turn several parts read the same message (the
    ranking, whether it only acknowledges, whether it asks more), and option and phrase lists come
    back again and again."""
    return tuple(content_lemmas(analyse(text)))


def tag_token(facet: str, key: str) -> str:
    """A single searchable word standing for a vocabulary term, e.g. topicsextrafficking.

    Underscores are dropped because both SQLite FTS5 and PostgreSQL split words on them."""
    return f"{facet}{key.replace('_', '')}"


@dataclass(frozen=True)
class Term:
    facet: str
    key: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    facet: str
    key: str
    start: int  # character offsets in the analysed text
    end: int
    text: str


def number_forms(word: str) -> set[str]:
    """A word with its singular and plural: "signs" -> {"signs", "sign"}, "agency" -> {"agency", "agencies"}.

    Codes with digits and very short words are not inflected ("2S" must not match "2")."""
    if not word.isalpha() or len(word) < 3:
        return {word}
    if word.endswith("ies"):
        return {word, word[:-3] + "y"}
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return {word, word[:-1] + "ies"}
    if word.endswith("s"):
        return {word, word[:-1]}
    return {word, word + "s", word + "es"}


class VocabularyMatcher:
    """Finds vocabulary phrases in text, preferring the longest match where phrases overlap.

    Phrases of several words match on lemmas ("group homes" finds "group home"); a single word
    matches only itself in singular or plural, because its lemma is too loose ("signs" must not
    match "signing", nor "reporting" every "report"). One span may stand for terms of several
    facets ("training" is a topic and a publication type); every one of them is returned."""

    def __init__(self, terms: Iterable[Term]):
        self._phrases = PhraseMatcher(english().vocab, attr="LEMMA")
        self._words = PhraseMatcher(english().vocab, attr="LOWER")
        self._ids: dict[int, tuple[str, str]] = {}
        for term in terms:
            label = f"{term.facet}:{term.key}"
            self._ids[english().vocab.strings.add(label)] = (term.facet, term.key)
            docs = [analyse(phrase) for phrase in term.phrases if phrase.strip()]
            self._phrases.add(label, [d for d in docs if len(d) > 1])
            words = {form for d in docs if len(d) == 1 for form in number_forms(d.text)}
            self._words.add(label, [english().make_doc(w) for w in sorted(words)])

    def find(self, doc: Doc) -> list[Match]:
        found = [(doc[start:end], match_id) for matcher in (self._phrases, self._words)
                 for match_id, start, end in matcher(doc)]
        kept = {(span.start, span.end) for span in filter_spans([span for span, _ in found])}
        matches = {
            (span.start_char, self._ids[match_id]): Match(
                *self._ids[match_id], span.start_char, span.end_char, span.text
            )
            for span, match_id in found
            if (span.start, span.end) in kept
        }
        return [matches[k] for k in sorted(matches)]
