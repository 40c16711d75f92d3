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
        Term(FACET_ENTITIES[facet], term.key, (term.label, *term.synonyms))
        for facet, entries in content.vocabulary.items()
        for term in entries.values()
    ]
    terms += [
        Term("law", law.key, tuple(p for p in (law.name, law.short_name, law.citation, *law.aliases) if p))
        for law in content.laws
    ]
    terms += [Term("us_state", line.abbr, (line.name, *line.aliases)) for line in content.state_lines]
    return terms


def state_codes(content: Content) -> list[str]:
    return [line.abbr for line in content.state_lines]
