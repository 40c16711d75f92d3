"""The NLU lookup tables are generated from the knowledge base and kept in step with it."""
from bot.cli import LOOKUPS, lookup_tables_yaml


def test_committed_lookup_tables_match_the_knowledge_base():
    assert LOOKUPS.read_text(encoding="utf-8") == lookup_tables_yaml(), "run `make train` to regenerate"


def test_lookup_tables_hold_knowledge_base_names():
    text = lookup_tables_yaml()
    for name in ("Preventing Sex Trafficking and Strengthening Families Act", "P.L. 113-183", "North Carolina",
                 "Washington DC", "foster parents", "CSEC"):
        assert f"      - {name}\n" in text, name
