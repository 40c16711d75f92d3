"""python -m knowledge validate | load | search "labor trafficking for caseworkers" | review"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge.content import CONTENT_DIR, ContentError, read_content
from knowledge.db import database_url, make_engine
from knowledge.loader import load
from knowledge.review import DUE_DAYS, FAIL_DAYS, review
from knowledge.search import KINDS, search


def days(text: str) -> int:
    """A review option's number of days."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of days, not {text!r}")
    return int(text)


def day(text: str) -> date:
    """The review's --today."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date written YYYY-MM-DD, not {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help="content folder (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every content file; load nothing")
    commands.add_parser("load", help="validate, then replace the database content (KB_DATABASE_URL)")
    find = commands.add_parser("search", help="ranked search of the loaded knowledge base")
    find.add_argument("words")
    find.add_argument("--kind", choices=KINDS, action="append", help="repeat to allow several")
    find.add_argument("--topic")
    find.add_argument("--audience")
    find.add_argument("--type", dest="pub_type")
    find.add_argument("--limit", type=int, default=5)
    check = commands.add_parser(
        "review", help="list the entries due for re-checking against their source, oldest first; "
                       "exit 1 when any is past --fail-after (knowledge/CONTENT.md)")
    check.add_argument("--older-than", type=days, default=DUE_DAYS, metavar="DAYS",
                       help="list entries last checked more than DAYS ago (default: %(default)s)")
    check.add_argument("--fail-after", type=days, default=FAIL_DAYS, metavar="DAYS",
                       help="exit 1 when an entry was last checked more than DAYS ago (default: %(default)s)")
    check.add_argument("--today", type=day, default=date.today(), metavar="YYYY-MM-DD",
                       help="the day to count from (default: today)")
    args = parser.parse_args(argv)

    if args.command == "search":
        with Session(make_engine(), future=True) as session:
            hits = search(session, args.words, kinds=args.kind or KINDS, topic=args.topic,
                          audience=args.audience, pub_type=args.pub_type, limit=args.limit)
        for rank, hit in enumerate(hits, 1):
            print(f"{rank}. [{hit.kind}] {hit.title}  ({hit.key}, score {hit.score:.3f})")
        if not hits:
            print("no matches")
        return 0

    try:
        content = read_content(args.content)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    if args.command == "validate":
        print(f"{len(content.records())} entries valid in {args.content}")
        return 0
    if args.command == "review":
        text, overdue = review(content, args.today, args.older_than, args.fail_after)
        print(text)
        return 1 if overdue else 0
    count = load(make_engine(), content)
    print(f"loaded {count} entries into {database_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
