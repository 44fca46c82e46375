"""Circuit breaker state in one Redis hash, `scores:circuit_breaker`, shared by every process."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pybreaker
import redis

log = logging.getLogger(__name__)

BREAKER_KEY = "scores:circuit_breaker"
BREAKER_TTL_SECONDS = 600


class RedisBreakerStorage(pybreaker.CircuitBreakerStorage):
    """pybreaker storage in a Redis hash (state, fail_counter, success_counter, opened_at).

    When Redis is unreachable the breaker reads as closed: ESPN calls go on, and the
    poll fails on its own Redis needs instead of being blocked by a stale breaker.
    """

    def __init__(self, client: redis.Redis, key: str = BREAKER_KEY) -> None:
        super().__init__("redis-hash")
        self.client = client
        self.key = key

    def _get(self, name: str) -> bytes | None:
        try:
            return self.client.hget(self.key, name)
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, reading %s as default", name)
            return None

    def _set(self, name: str, value: str | int | float) -> None:
        try:
            pipe = self.client.pipeline()
            pipe.hset(self.key, name, value)
            pipe.expire(self.key, BREAKER_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, %s not saved", name)

    def _incr(self, name: str) -> None:
        try:
            pipe = self.client.pipeline()
            pipe.hincrby(self.key, name, 1)
            pipe.expire(self.key, BREAKER_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, %s not counted", name)

    @property
    def state(self) -> str:
        raw = self._get("state")
        return raw.decode() if raw else pybreaker.STATE_CLOSED

    @state.setter
    def state(self, state: str) -> None:
        self._set("state", state)

    def increment_counter(self) -> None:
        self._incr("fail_counter")

    def reset_counter(self) -> None:
        self._set("fail_counter", 0)

    def increment_success_counter(self) -> None:
        self._incr("success_counter")

    def reset_success_counter(self) -> None:
        self._set("success_counter", 0)

    @property
    def counter(self) -> int:
        return int(self._get("fail_counter") or 0)

    @property
    def success_counter(self) -> int:
        return int(self._get("success_counter") or 0)

    @property
    def opened_at(self) -> datetime | None:
        raw = self._get("opened_at")
        return datetime.fromtimestamp(float(raw), tz=UTC) if raw else None

    @opened_at.setter
    def opened_at(self, when: datetime) -> None:
        self._set("opened_at", when.timestamp())


def read_breaker(client: redis.Redis) -> dict:
    """The breaker as an operator sees it: state, consecutive failures, when it opened."""
    storage = RedisBreakerStorage(client)
    opened_at = storage.opened_at
    return {
        "state": storage.state,
        "consecutive_failures": storage.counter,
        "opened_at": opened_at.isoformat() if opened_at else None,
    }


def reset_breaker(client: redis.Redis) -> None:
    client.delete(BREAKER_KEY)
