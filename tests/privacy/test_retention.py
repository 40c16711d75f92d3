"""`python -m bot retention` on a real SQLTrackerStore on PostgreSQL: old conversations go, new ones stay."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cli import environment
from tests.conftest import ROOT
from tests.privacy.conftest import rows

DAY = 86400


def conversation(sender: str, last_active_days_ago: float) -> DialogueStateTracker:
    last = time.time() - last_active_days_ago * DAY
    events = [ActionExecuted("action_listen", timestamp=last - 3 * DAY), UserUttered("hi", timestamp=last - 3 * DAY),
              BotUttered("Hello, I'm a bot.", timestamp=last - 3 * DAY), UserUttered("thanks", timestamp=last)]
    return DialogueStateTracker.from_events(sender, events)


def retention(url: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "bot", "retention", *args], cwd=ROOT, capture_output=True,
                            text=True, env=environment(TRACKER_STORE_URL=url), timeout=120, check=True)
    return result.stdout


def test_old_conversations_are_deleted_and_recent_ones_kept(tracker_database, raw):
    store = SQLTrackerStore(dialect="postgresql", host=tracker_database.host, port=tracker_database.port,
                            db=tracker_database.database, username=tracker_database.username)
    run = uuid.uuid4().hex[:8]
    old, older, recent = f"old-{run}", f"older-{run}", f"recent-{run}"
    # "recent" started 33 days ago but is still going on: its latest event counts
    for sender, days in ((old, 31), (older, 400), (recent, 30 - 3 + 0.5)):
        asyncio.run(store.save(conversation(sender, days)))
    url = tracker_database.render_as_string(hide_password=False)

    assert "Would delete" in retention(url, "--days", "30", "--dry-run")
    assert all(len(rows(raw, s)) == 4 for s in (old, older, recent))

    output = retention(url, "--days", "30")
    assert "Deleted" in output
    assert rows(raw, old) == [] and rows(raw, older) == []
    assert len(rows(raw, recent)) == 4


def test_retention_needs_a_tracker_store():
    env = environment()
    env.pop("TRACKER_STORE_URL", None)
    result = subprocess.run([sys.executable, "-m", "bot", "retention", "--days", "30"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "TRACKER_STORE_URL" in result.stderr
