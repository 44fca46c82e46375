"""Every Redis key and pub/sub channel of the project, named once, with how long it lives.

All of them live in the cache database (REDIS_CACHE_URL, DB 1; DB 0 is Celery's broker). Redis is
a cache, a coordinator and a message bus, never the only copy: the next poll rebuilds everything.
Names with {fields} are templates for str.format. The README's "Redis keys" table lists exactly
the entries of REDIS_KEYS with the same lifetimes (tests/test_redis_keys.py checks it).

The ESPN client knows nothing of this project: its two keys reach it as ESPN_KEYS (games/polling.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from espn.client import EspnRedisKeys

MINUTE, HOUR, DAY = 60, 3600, 24 * 3600
EVERY_KEY_PATTERN = "scores:*"  # all of the project's keys (the demo forgets an earlier run's)

# The poller (games/live_state.py, games/polling.py)
LIVE_STATE_KEY = "scores:live_state"
LIVE_STATE_TTL = 3 * MINUTE
LAST_POLL_KEY = "scores:last_poll"
LAST_POLL_TTL = 5 * MINUTE
LAST_OK_POLL_KEY = "scores:last_ok_poll"  # /health/ and /metrics: when a poll last ran without an error
LAST_OK_POLL_TTL = 8 * DAY  # longer than any interval: gone means "not for a week"
POLL_HISTORY_KEY = "scores:poll_history"
POLL_HISTORY_LENGTH = 50  # a capped list, no expiry
NEXT_POLL_KEY = "scores:next_poll_at"  # the poll gate: expires when the next poll is due
POLL_LOCK_KEY = "scores:poll_lock"
POLL_LOCK_TTL = 6  # with the 4 s live interval and the 2 s tick: the next poll within 8 s of a kill
FAILED_POLLS_KEY = "scores:failed_polls"  # polls with errors since the last one without
FAILED_POLLS_TTL = DAY
RETRY_AFTER_KEY = "scores:espn_retry_after_until"  # lives as long as ESPN asked us to wait

# The ESPN client's shared state (espn/client.py, espn/breaker.py)
BREAKER_KEY = "scores:circuit_breaker"
BREAKER_TTL = 10 * MINUTE
ESPN_RATE_KEY = "scores:espn_rate:{second}"
ESPN_RATE_TTL = 2
ESPN_KEYS = EspnRedisKeys(breaker=BREAKER_KEY, breaker_ttl=BREAKER_TTL, rate=ESPN_RATE_KEY, rate_ttl=ESPN_RATE_TTL)

# What the pages, the API and the streams read (games/, picks/)
LIVE_FEED_KEY = "scores:live_feed"
LIVE_FEED_TTL = 5 * MINUTE
STANDINGS_KEY = "scores:standings:{league_id}"
STANDINGS_TTL = 6 * HOUR  # a day of games; a page without one simply waits for the next change
LIVE_CHANNEL = "scores:stream:live"
STANDINGS_CHANNEL = "scores:stream:standings:{league_id}"
STANDINGS_PATTERN = STANDINGS_CHANNEL.format(league_id="*")
PLAYS_CHANNEL = "scores:plays:{game_id}"  # a message each time plays of the game are stored
STREAM_SUBSCRIBERS_KEY = "scores:stream_subscribers:{game_id}"  # expiry: 4 heartbeats, renewed by each

# Followed games (games/tracking.py, games/summary_fetch.py)
SUMMARY_BUDGET_KEY = "scores:summary_budget:{minute}"  # summary requests in one clock minute
SUMMARY_BUDGET_TTL = 2 * MINUTE
FOLLOW_LOCK_KEY = "scores:follow_lock"
FOLLOW_LOCK_TTL = MINUTE
TRACKING_SYNC_KEY = "scores:tracking_synced"  # present while the tracking records are fresh enough
TRACKING_SYNC_TTL = 10
TRACKING_REPORT_KEY = "scores:tracking_report"  # counts by status and the alerts, for /health/, status, metrics
TRACKING_REPORT_TTL = 5 * MINUTE

# Inbound limits (config/ratelimit.py): sign-in, sign-up, stream connections
RATE_LIMIT_KEY = "scores:ratelimit:{scope}:{kind}:{ident}"


def seconds_text(seconds: int) -> str:
    """A lifetime as the README says it: "120 s", "6 h", "1 day"."""
    if seconds % DAY == 0:
        days = seconds // DAY
        return f"{days} day" if days == 1 else f"{days} days"
    if seconds % HOUR == 0:
        return f"{seconds // HOUR} h"
    return f"{seconds} s"


@dataclass(frozen=True)
class RedisKey:
    name: str
    lifetime: str  # as the README's table says it ("(a channel)": pub/sub, it holds nothing)


REDIS_KEYS: tuple[RedisKey, ...] = (
    RedisKey(LIVE_STATE_KEY, seconds_text(LIVE_STATE_TTL)),
    RedisKey(LAST_POLL_KEY, seconds_text(LAST_POLL_TTL)),
    RedisKey(LAST_OK_POLL_KEY, seconds_text(LAST_OK_POLL_TTL)),
    RedisKey(POLL_HISTORY_KEY, f"none (the last {POLL_HISTORY_LENGTH})"),
    RedisKey(NEXT_POLL_KEY, "the interval"),
    RedisKey(POLL_LOCK_KEY, f"{seconds_text(POLL_LOCK_TTL)}, renewed while the poll runs"),
    RedisKey(FAILED_POLLS_KEY, seconds_text(FAILED_POLLS_TTL)),
    RedisKey(BREAKER_KEY, seconds_text(BREAKER_TTL)),
    RedisKey(RETRY_AFTER_KEY, "until then"),
    RedisKey(ESPN_RATE_KEY, seconds_text(ESPN_RATE_TTL)),
    RedisKey(LIVE_FEED_KEY, seconds_text(LIVE_FEED_TTL)),
    RedisKey(STANDINGS_KEY, seconds_text(STANDINGS_TTL)),
    RedisKey(LIVE_CHANNEL, "(a channel)"),
    RedisKey(STANDINGS_CHANNEL, "(a channel)"),
    RedisKey(PLAYS_CHANNEL, "(a channel)"),
    RedisKey(STREAM_SUBSCRIBERS_KEY, "4 heartbeats (`STREAM_HEARTBEAT_SECONDS`), renewed by each"),
    RedisKey(SUMMARY_BUDGET_KEY, seconds_text(SUMMARY_BUDGET_TTL)),
    RedisKey(FOLLOW_LOCK_KEY, seconds_text(FOLLOW_LOCK_TTL)),
    RedisKey(TRACKING_SYNC_KEY, seconds_text(TRACKING_SYNC_TTL)),
    RedisKey(TRACKING_REPORT_KEY, seconds_text(TRACKING_REPORT_TTL)),
    RedisKey(RATE_LIMIT_KEY, "the limit's window"),
)
