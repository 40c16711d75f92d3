"""Token buckets per sender: in one process, and shared between instances in the real Redis."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis
from rasa.shared.exceptions import RasaException

from bot.security import MemoryRateLimiter, RedisRateLimiter, rate_limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
KEY = "rate-limit-test-sender-id-key"


async def allowed(limiter, key: str, attempts: int) -> int:
    return sum([await limiter.allow(key) for _ in range(attempts)])


def test_memory_bucket_allows_a_burst_then_refills():
    limiter = MemoryRateLimiter(per_minute=600, burst=3)  # one message back every 0.1 s
    assert asyncio.run(allowed(limiter, "a", 5)) == 3
    assert asyncio.run(allowed(limiter, "b", 1)) == 1  # every sender has their own bucket
    asyncio.run(asyncio.sleep(0.25))
    assert asyncio.run(allowed(limiter, "a", 5)) == 2


@pytest.fixture()
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is required at {REDIS_URL} (set TEST_REDIS_URL): {error}")
    return REDIS_URL


def test_two_instances_share_one_bucket_in_redis(redis_url):
    async def scenario() -> tuple[int, int]:
        first, second = (RedisRateLimiter(redis_url, per_minute=60, burst=4, sender_id_key=KEY) for _ in range(2))
        key = f"rest:{uuid.uuid4().hex}"
        total = sum(await asyncio.gather(*(limiter.allow(key) for limiter in (first, second) for _ in range(5))))
        other = await first.allow(f"rest:{uuid.uuid4().hex}")
        await first.redis.close()
        await second.redis.close()
        return total, other

    total, other = asyncio.run(scenario())
    assert total == 4 and other


def test_redis_holds_no_sender_id(redis_url):
    sender = f"sender-{uuid.uuid4().hex}"

    async def scenario() -> None:
        limiter = RedisRateLimiter(redis_url, per_minute=60, burst=2, sender_id_key=KEY)
        await limiter.allow(f"rest:{sender}")
        await limiter.redis.close()

    asyncio.run(scenario())
    client = redis.Redis.from_url(redis_url)
    assert not [key for key in client.scan_iter("*") if sender.encode() in key]
    assert all(client.ttl(key) > 0 for key in client.scan_iter("rate_limit:*"))  # buckets expire


def test_messages_go_through_when_redis_is_down():
    async def scenario() -> int:
        limiter = RedisRateLimiter("redis://127.0.0.1:1/0", per_minute=60, burst=1, sender_id_key=KEY)
        return await allowed(limiter, "rest:someone", 3)

    assert asyncio.run(scenario()) == 3


def test_the_limiter_follows_the_environment():
    assert rate_limiter({"RATE_LIMIT_PER_MINUTE": "0"}) is None
    assert isinstance(rate_limiter({}), MemoryRateLimiter)
    for name in ("LOCK_STORE_URL", "RATE_LIMIT_REDIS_URL"):
        assert isinstance(rate_limiter({name: "redis://127.0.0.1:6379/1", "SENDER_ID_KEY": KEY}), RedisRateLimiter)
        with pytest.raises(RasaException, match="SENDER_ID_KEY"):  # buckets are keyed by pseudonyms
            rate_limiter({name: "redis://127.0.0.1:6379/1"})


def test_the_lock_store_url_with_its_key_prefix_works_for_the_limiter(redis_url):
    """LOCK_STORE_URL may carry ?key_prefix= for the lock store; the limiter shares that prefix."""
    prefix = f"t{uuid.uuid4().hex[:8]}"

    async def scenario() -> list[bool]:
        limiter = rate_limiter({"LOCK_STORE_URL": f"{redis_url}?key_prefix={prefix}", "RATE_LIMIT_BURST": "1",
                                "SENDER_ID_KEY": KEY})
        allowed = [await limiter.allow("rest:someone") for _ in range(2)]
        await limiter.redis.close()
        return allowed

    assert asyncio.run(scenario()) == [True, False]
    assert list(redis.Redis.from_url(redis_url).scan_iter(f"{prefix}rate_limit:*"))
