"""The production stores for real: a fresh PostgreSQL database and a Redis key prefix per run.

Both services are part of the production configuration: when one is missing the tests fail, they
are not skipped."""
from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import redis

from tests.conftest import fresh_database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture(scope="module")
def tracker_store_url() -> Iterator[str]:
    """TRACKER_STORE_URL of a database of its own, dropped afterwards."""
    with fresh_database("tracker_test") as url:
        yield str(url.set(drivername="postgresql"))


@pytest.fixture(scope="module")
def lock_store_url() -> Iterator[str]:
    """LOCK_STORE_URL with a key prefix of its own; its keys are deleted afterwards."""
    prefix = f"test{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is required at {REDIS_URL} (set TEST_REDIS_URL): {error}")
    yield f"{REDIS_URL}?key_prefix={prefix}"
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
