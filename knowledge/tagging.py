"""The vocabulary tags that documents and queries share.

The loader tags each document with a tag word (language.tag_token) for every vocabulary term it
mentions, and search tags each query the same way, so both must find terms with the same matcher
and spell their tags with the same facet prefixes. Both import them from here.
"""
from __future__ import annotations

from typing import Iterable

from knowledge.language import Term, VocabularyMatcher
from knowledge.schema import VocabularyTerm

# vocabulary facet -> the prefix of its tag words (tag_token); documents and queries must agree
TAG_FACETS = {"topics": "topic", "audiences": "audience", "publication_types": "type", "situations": "situation"}


def vocabulary_matcher(terms: Iterable[VocabularyTerm]) -> VocabularyMatcher:
    """A matcher for vocabulary phrases: what people write for each term."""
    return VocabularyMatcher(Term(t.facet, t.key, t.phrases) for t in terms)
