"""The one way this project talks to ESPN's site API.

One `requests.Session`, a timeout on every request, bounded retries with exponential
backoff and jitter, a rate limit and a circuit breaker shared by every process through
Redis, and every failure turned into an `EspnError` that says whether retrying can help.
Knows nothing of Django: callers pass settings and a Redis client in.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlsplit

import pybreaker
import redis
import requests

from .breaker import RedisBreakerStorage
from .leagues import LeagueFeed
from .parsing import EspnPayloadError, parse_scoreboard_bytes, parse_summary_bytes
from .snapshots import GameSummary, Scoreboard

log = logging.getLogger(__name__)

T = TypeVar("T")

# Called after every HTTP attempt with (endpoint, outcome, seconds): endpoint is "scoreboard" or
# "summary"; outcome "ok", "timeout", "connection", "error", "bad_payload" or "http_<status>".
# How callers measure ESPN (Prometheus, in `games.metrics`) without this module knowing of it.
RequestObserver = Callable[[str, str, float], None]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class EspnError(Exception):
    """ESPN could not give us what we asked for. `retryable` says whether asking again may help;
    `url` is the URL asked for, with its query."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class EspnHttpError(EspnError):
    """An HTTP error status. 4xx other than 408/429 mean our request is wrong: no retry."""

    def __init__(self, message: str, *, status: int, url: str = "") -> None:
        super().__init__(message, status=status, url=url)
        self.retryable = status in RETRYABLE_STATUSES or status == 408


class EspnRateLimited(EspnError):
    """ESPN answered 429 and asked us to wait longer than is worth sleeping in a poll."""

    def __init__(self, message: str, *, retry_after: float, url: str = "") -> None:
        super().__init__(message, status=429, url=url)
        self.retry_after = retry_after


class EspnBadPayload(EspnError):
    """The answer was not ESPN JSON we can read (an HTML error page, truncated JSON, an odd shape)."""


class EspnUnavailable(EspnError):
    """The circuit breaker is open: ESPN failed repeatedly, so we are not calling it for a while."""


def is_not_espns_fault(exc: BaseException) -> bool:
    """Errors the breaker should not count: our own bad requests (4xx other than 408/429)."""
    return isinstance(exc, EspnHttpError) and not exc.retryable


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class BreakerLogger(pybreaker.CircuitBreakerListener):
    """One line whenever the breaker opens, half-opens or closes again (in whichever process saw it)."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        old_name = getattr(old_state, "name", str(old_state))
        new_name = getattr(new_state, "name", str(new_state))
        level = logging.WARNING if new_name != pybreaker.STATE_CLOSED else logging.INFO
        log.log(
            level,
            "espn circuit breaker state changed",
            extra={"old_state": old_name, "new_state": new_name, "consecutive_failures": cb.fail_counter},
        )


@dataclass(frozen=True)
class EspnRedisKeys:
    """Where the client keeps the state its processes share; the project names them (config/redis_keys.py)."""

    breaker: str  # a hash: the circuit breaker's state
    breaker_ttl: int
    rate: str  # a counter per clock second, "{second}" in its name
    rate_ttl: int


class RateLimiter:
    """At most `per_second` requests per second across every process, counted in Redis."""

    def __init__(
        self, client: redis.Redis | None, keys: EspnRedisKeys | None, per_second: int, sleep: Callable[[float], None]
    ) -> None:
        self.client = client
        self.keys = keys
        self.per_second = per_second
        self.sleep = sleep

    def wait_for_slot(self) -> None:
        if self.client is None or self.keys is None or self.per_second <= 0:
            return
        for _ in range(50):  # a bound, so a confused clock can never hang a poll
            now = time.time()
            key = self.keys.rate.format(second=int(now))
            try:
                pipe = self.client.pipeline()
                pipe.incr(key)
                pipe.expire(key, self.keys.rate_ttl)
                count = pipe.execute()[0]
            except redis.RedisError:
                log.warning("espn rate limiter: Redis unavailable, not limiting")
                return
            if count <= self.per_second:
                return
            self.sleep(1.0 - (now % 1.0) + 0.001)


class EspnClient:
    def __init__(
        self,
        *,
        base_url: str,
        user_agent: str,
        redis_client: redis.Redis | None = None,
        redis_keys: EspnRedisKeys | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 5.0,
        max_retries: int = 2,
        max_retry_after_sleep: float = 5.0,
        rate_limit_per_second: int = 10,
        breaker_fail_max: int = 5,
        breaker_reset_seconds: float = 300,
        sleep: Callable[[float], None] = time.sleep,
        on_request: RequestObserver | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.max_retry_after_sleep = max_retry_after_sleep
        self.sleep = sleep
        self.session = requests.Session()
        # An honest agent: ESPN answers 403 to spoofed browser User-Agents.
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        if redis_client is not None and redis_keys is None:
            raise ValueError("a client sharing its state through Redis needs the keys to keep it under")
        self.rate_limiter = RateLimiter(redis_client, redis_keys, rate_limit_per_second, sleep)
        storage = (
            RedisBreakerStorage(redis_client, redis_keys.breaker, ttl=redis_keys.breaker_ttl)
            if redis_client is not None and redis_keys is not None
            else pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
        )
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=breaker_fail_max,
            reset_timeout=breaker_reset_seconds,
            exclude=[is_not_espns_fault],
            state_storage=storage,
            name="espn",
            throw_new_error_on_trip=False,
            listeners=[BreakerLogger()],
        )
        self.requests_made = 0  # attempts, for callers that report what a poll cost
        self.on_request = on_request

    # Public API ---------------------------------------------------------------

    def scoreboard(self, feed: LeagueFeed, day: date) -> Scoreboard:
        params = {**feed.params, "dates": day.strftime("%Y%m%d"), "limit": "300"}
        return self._call(f"{feed.espn_league}/scoreboard", params, parse_scoreboard_bytes, feed.espn_league)

    def scoreboard_week(self, feed: LeagueFeed, *, season: int, season_type: int, week: int) -> Scoreboard:
        """A football week (ESPN's week view: dates=YEAR&seasontype=N&week=W)."""
        params = {
            **feed.params,
            "dates": str(season),
            "seasontype": str(season_type),
            "week": str(week),
            "limit": "300",
        }
        return self._call(f"{feed.espn_league}/scoreboard", params, parse_scoreboard_bytes, feed.espn_league)

    def summary(self, feed: LeagueFeed, event_id: str) -> GameSummary:
        return self._call(f"{feed.espn_league}/summary", {"event": event_id}, parse_summary_bytes, feed.espn_league)

    def breaker_state(self) -> str:
        return self.breaker.current_state

    # Internals ----------------------------------------------------------------

    def _call(self, path: str, params: dict[str, str], parse: Callable[[bytes, str], T], espn_league: str) -> T:
        # The whole URL, query and all, so that every error names exactly what was asked.
        url = str(requests.Request("GET", f"{self.base_url}/apis/site/v2/sports/{path}", params=params).prepare().url)
        try:
            # Parsing runs inside the breaker: an unreadable answer counts as ESPN failing.
            return self.breaker.call(self._fetch_and_parse, url, parse, espn_league)
        except pybreaker.CircuitBreakerError as exc:
            raise EspnUnavailable(
                "ESPN circuit breaker is open after repeated failures; not calling ESPN for now", url=url
            ) from exc

    def _fetch_and_parse(self, url: str, parse: Callable[[bytes, str], T], espn_league: str) -> T:
        body = self._get_with_retries(url)
        try:
            return parse(body, espn_league)
        except EspnPayloadError as exc:
            raise EspnBadPayload(f"ESPN sent a response we cannot read: {exc}", url=url) from exc

    def _get_with_retries(self, url: str) -> bytes:
        attempt = 0
        endpoint = urlsplit(url).path.rsplit("/", 1)[-1]
        while True:
            self.rate_limiter.wait_for_slot()
            self.requests_made += 1
            started = time.monotonic()
            try:
                response = self.session.get(url, timeout=self.timeout)
            except requests.Timeout as exc:
                self._observe(endpoint, "timeout", started)
                error: EspnError = EspnError(f"ESPN timed out ({exc.__class__.__name__})", url=url)
                retry_after = None
            except requests.ConnectionError as exc:
                self._observe(endpoint, "connection", started)
                error = EspnError(f"could not connect to ESPN: {exc.__class__.__name__}", url=url)
                retry_after = None
            except requests.RequestException as exc:
                self._observe(endpoint, "error", started)
                raise EspnError(f"request to ESPN failed: {exc}", url=url) from exc
            else:
                if response.status_code == 200:
                    try:
                        body = self._json_body(response, url)
                    except EspnBadPayload:
                        self._observe(endpoint, "bad_payload", started)
                        raise
                    self._observe(endpoint, "ok", started)
                    return body
                self._observe(endpoint, f"http_{response.status_code}", started)
                error, retry_after = self._http_error(response, url)
                if not error.retryable:
                    raise error
            if attempt >= self.max_retries:
                raise error
            if retry_after is not None and retry_after > self.max_retry_after_sleep:
                # Waiting that long belongs to the poll schedule, not to a sleeping worker.
                raise EspnRateLimited(
                    f"ESPN asked us to wait {retry_after:.0f}s (HTTP 429)", retry_after=retry_after, url=url
                )
            attempt += 1
            self.sleep(retry_after if retry_after is not None else self._backoff(attempt))

    def _observe(self, endpoint: str, outcome: str, started: float) -> None:
        if self.on_request is None:
            return
        try:
            self.on_request(endpoint, outcome, time.monotonic() - started)
        except Exception:  # measuring must never fail a call to ESPN
            log.exception("ESPN request observer failed")

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(4.0, 0.5 * 2 ** (attempt - 1)) + random.uniform(0, 0.5)

    @staticmethod
    def _json_body(response: requests.Response, url: str) -> bytes:
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise EspnBadPayload(f"ESPN answered with an HTML page instead of JSON ({content_type})", url=url)
        return response.content

    @staticmethod
    def _http_error(response: requests.Response, url: str) -> tuple[EspnError, float | None]:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
        return EspnHttpError(f"ESPN answered HTTP {status}", status=status, url=url), retry_after
