"""Entity names the assistant should recognise, generated from the knowledge content.

Adding a law, a state alias or a vocabulary synonym to knowledge/content/ teaches the NLU to
recognise it at the next training: nothing here lists a name by hand.
"""
from __future__ import annotations

from knowledge.content import Content
from knowledge.language import Term

# vocabulary facet -> entity type used in domain.yml and the NLU data
FACET_ENTITIES = {
    "topics": "topic",
    "audiences": "audience",
    "publication_types": "publication_type",
    "situations": "situation",
}


def entity_terms(content: Content) -> list[Term]:
    """Phrases for every entity type, each naming the canonical value (a knowledge-base key)."""
    terms = [
        Term(FACET_ENTITIES[facet], term.key, term.phrases)
        for facet, entries in content.vocabulary.items()
        for term in entries.values()
    ]
    terms += [
        Term("law", law.key, tuple(p for p in (law.name, law.short_name, law.citation, *law.aliases) if p))
        for law in content.laws
    ]
    terms += [Term("us_state", line.abbr, (line.name, *line.aliases)) for line in content.state_lines]
    return terms


def lookup_tables(content: Content) -> dict[str, list[str]]:
    """Rasa lookup tables (entity type -> phrases) for the RegexFeaturizer: the same names the
    entity component matches, so the intent classifier also sees "this names a state/law/topic"."""
    tables: dict[str, set[str]] = {}
    for term in entity_terms(content):
        tables.setdefault(term.facet, set()).update(p for p in term.phrases if len(p) > 2)
    return {entity: sorted(phrases, key=str.lower) for entity, phrases in sorted(tables.items())}


def state_codes(content: Content) -> list[str]:
    return [line.abbr for line in content.state_lines]
