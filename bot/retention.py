"""Delete conversations older than N days from the SQL tracker store.

    python -m bot retention --days 30 [--dry-run] [--url postgresql://...]

A conversation is old when its latest event is: one that is still going on is kept whole. The
database is TRACKER_STORE_URL (an SQLAlchemy URL) unless --url is given; the table is Rasa's
SQLTrackerStore `events` table. Run it daily (cron, a Kubernetes CronJob): deleting is one
statement, safe to run while the assistant serves people.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from sqlalchemy import column, create_engine, func, select, table
from sqlalchemy.engine import Engine

EVENTS = table("events", column("sender_id"), column("timestamp"))


@dataclass(frozen=True)
class Outcome:
    conversations: int
    events: int


def _expired(cutoff: float):  # noqa: ANN202 (an SQLAlchemy subquery)
    return (select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff))


def delete_old_conversations(engine: Engine, days: float, dry_run: bool = False,
                             now: float | None = None) -> Outcome:
    """Delete (or with dry_run only count) the conversations whose last event is older than `days`."""
    cutoff = (now if now is not None else time.time()) - days * 86400
    expired = _expired(cutoff)
    with engine.begin() as connection:
        conversations = connection.execute(select(func.count()).select_from(expired.subquery())).scalar_one()
        if dry_run:
            events = connection.execute(select(func.count()).select_from(EVENTS)
                                        .where(EVENTS.c.sender_id.in_(expired))).scalar_one()
        else:
            events = connection.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(expired))).rowcount
    return Outcome(conversations, events)


def main(days: float, dry_run: bool, url: str | None) -> int:
    url = url or os.environ.get("TRACKER_STORE_URL")
    if not url:
        raise SystemExit("No tracker store: set TRACKER_STORE_URL or pass --url (the default in-memory "
                         "store keeps nothing, so there is nothing to delete).")
    if days < 0:
        raise SystemExit("--days must not be negative")
    engine = create_engine(url, future=True)
    try:
        outcome = delete_old_conversations(engine, days, dry_run)
    finally:
        engine.dispose()
    verb = "Would delete" if dry_run else "Deleted"
    print(f"{verb} {outcome.conversations} conversation(s) ({outcome.events} events) "
          f"with no activity in the last {days:g} day(s).")
    return 0
