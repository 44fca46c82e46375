"""One Redis client per process for the cache database (DB 1)."""

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def cache_redis() -> redis.Redis:
    # Short timeouts: Redis is a cache and coordinator; a slow one must not stall a page or a poll.
    return redis.Redis.from_url(
        settings.REDIS_CACHE_URL,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=30,
    )
