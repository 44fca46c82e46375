"""Circuit breaker state in one Redis hash (its name: config/redis_keys.py), shared by every process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pybreaker
import redis

log = logging.getLogger(__name__)

BREAKER_FIELDS = ("state", "fail_counter", "success_counter", "opened_at")  # the hash's fields
BREAKER_STATES = (pybreaker.STATE_CLOSED, pybreaker.STATE_HALF_OPEN, pybreaker.STATE_OPEN)


@dataclass(frozen=True)
class BreakerState:
    state: str  # closed, open or half-open
    consecutive_failures: int
    consecutive_successes: int  # while half-open
    opened_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == pybreaker.STATE_OPEN

    @property
    def is_closed(self) -> bool:
        return self.state == pybreaker.STATE_CLOSED

    def as_dict(self) -> dict:
        """The breaker as an operator sees it: state, consecutive failures, when it opened."""
        return {
            "state": self.state,
            "consecutive_failures": self.consecutive_failures,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
        }


Raw = bytes | str | None  # a field as Redis answers it: bytes, or str on a client that decodes


def decode_breaker(
    state: Raw = None, fail_counter: Raw = None, success_counter: Raw = None, opened_at: Raw = None
) -> BreakerState:
    """The one reading of the hash's raw fields (absent: closed, no failures, never opened)."""
    text = state.decode() if isinstance(state, bytes) else state
    return BreakerState(
        state=text or pybreaker.STATE_CLOSED,
        consecutive_failures=int(fail_counter or 0),
        consecutive_successes=int(success_counter or 0),
        opened_at=datetime.fromtimestamp(float(opened_at), tz=UTC) if opened_at else None,
    )


class RedisBreakerStorage(pybreaker.CircuitBreakerStorage):
    """pybreaker storage in a Redis hash (state, fail_counter, success_counter, opened_at).

    When Redis is unreachable the breaker reads as closed: ESPN calls go on, and the
    poll fails on its own Redis needs instead of being blocked by a stale breaker.
    """

    def __init__(self, client: redis.Redis, key: str, *, ttl: int) -> None:
        super().__init__("redis-hash")
        self.client = client
        self.key = key
        self.ttl = ttl

    def _get(self, name: str) -> Raw:
        try:
            return self.client.hget(self.key, name)
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, reading %s as default", name)
            return None

    def _set(self, name: str, value: str | int | float) -> None:
        try:
            pipe = self.client.pipeline()
            pipe.hset(self.key, name, value)
            pipe.expire(self.key, self.ttl)
            pipe.execute()
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, %s not saved", name)

    def _incr(self, name: str) -> None:
        try:
            pipe = self.client.pipeline()
            pipe.hincrby(self.key, name, 1)
            pipe.expire(self.key, self.ttl)
            pipe.execute()
        except redis.RedisError:
            log.warning("circuit breaker: Redis unavailable, %s not counted", name)

    @property
    def state(self) -> str:
        return decode_breaker(state=self._get("state")).state

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
        return decode_breaker(fail_counter=self._get("fail_counter")).consecutive_failures

    @property
    def success_counter(self) -> int:
        return decode_breaker(success_counter=self._get("success_counter")).consecutive_successes

    @property
    def opened_at(self) -> datetime | None:
        return decode_breaker(opened_at=self._get("opened_at")).opened_at

    @opened_at.setter
    def opened_at(self, when: datetime) -> None:
        self._set("opened_at", when.timestamp())


def read_breaker(client: redis.Redis, key: str) -> dict:
    """The breaker as an operator sees it: state, consecutive failures, when it opened."""
    return decode_breaker(*client.hmget(key, list(BREAKER_FIELDS))).as_dict()


def reset_breaker(client: redis.Redis, key: str) -> None:
    client.delete(key)
