"""Rule-based English processing with spaCy, built from the knowledge base's own vocabulary.

No pretrained model is needed: a blank English pipeline with the lookup lemmatizer gives lemmas,
and a PhraseMatcher over lemmas finds vocabulary phrases ("CSEC", "group homes", "foster
parents") whatever their inflection. Search and the NLU entity component share this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans


@lru_cache(maxsize=1)
def english() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def analyse(text: str) -> Doc:
    """Lemmatize lower-cased text (the lookup tables are keyed by lower case).

    Lower-casing keeps character offsets for the text people type; where it would not (a few
    non-ASCII letters), the text is processed as it is."""
    lowered = text.lower()
    return english()(lowered if len(lowered) == len(text) else text)


def content_lemmas(doc: Doc) -> list[str]:
    """Lemmas of the words that carry meaning: no stop words or punctuation. Numbers stay
    ("P.L. 114-22" must find its law)."""
    return [
        token.lemma_.lower()
        for token in doc
        if (token.is_alpha and not token.is_stop and len(token) > 1) or token.is_digit
    ]


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


class VocabularyMatcher:
    """Finds vocabulary phrases in text, preferring the longest match where phrases overlap.

    One span may stand for terms of several facets ("training" is a topic and a publication
    type); every one of them is returned."""

    def __init__(self, terms: Iterable[Term]):
        self._matcher = PhraseMatcher(english().vocab, attr="LEMMA")
        self._ids: dict[int, tuple[str, str]] = {}
        for term in terms:
            label = f"{term.facet}:{term.key}"
            self._ids[english().vocab.strings.add(label)] = (term.facet, term.key)
            self._matcher.add(label, [analyse(phrase) for phrase in term.phrases if phrase.strip()])

    def find(self, doc: Doc) -> list[Match]:
        found = [(doc[start:end], match_id) for match_id, start, end in self._matcher(doc)]
        kept = {(span.start, span.end) for span in filter_spans([span for span, _ in found])}
        matches = {
            (span.start_char, self._ids[match_id]): Match(
                *self._ids[match_id], span.start_char, span.end_char, span.text
            )
            for span, match_id in found
            if (span.start, span.end) in kept
        }
        return [matches[k] for k in sorted(matches)]
