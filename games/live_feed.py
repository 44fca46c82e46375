"""The body of GET /api/games/live/, rendered once per poll and served from Redis.

The poll (`publish_after_poll`) builds the JSON bytes of today's games plus any game still live
from an earlier day, hashes them (blake2b) into the ETag and stores both, with a gzipped copy,
in the Redis hash `scores:live_feed`. No database query on the request path.

A request needs at most one Redis round trip (one Lua script: the ETag, the time left before
the next poll, and the body only when neither the client's If-None-Match nor this process
already holds it). Each web process keeps the metadata it read for LIVE_FEED_LOCAL_SECONDS
(0.5 s) and the last body of each encoding, so most requests need no round trip at all: a
change reaches clients at most that much later, against a poll every 10 s while games are live.
Under ASGI the view reads it on the event loop (`aread_feed`, one async client per process), so a
request never waits for the thread that Django gives synchronous code.

When the hash is missing (Redis flushed, TTL passed) or belongs to an earlier Eastern day, the
first request rebuilds it from the database and stores it with a compare-and-set, so it never
overwrites a newer feed that a poll published meanwhile. Redis is never the only copy: if it
is down, requests are served from the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import cast

import orjson
import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.utils import timezone
from redis.commands.core import AsyncScript
from redis.typing import EncodableT, FieldT

from config.redis_keys import LIVE_CHANNEL, LIVE_FEED_KEY, LIVE_FEED_TTL, NEXT_POLL_KEY

from . import live_state, selectors
from .game_shape import game_payload
from .stream_publisher import feed_change

log = logging.getLogger(__name__)

# The poll republishes every interval (at most an hour off-season); past this a request rebuilds
# from the database, which also picks up edits made outside the poll (admin, sync_games).

# Cache-Control max-age: the seconds left before the next poll, plus the time a poll takes,
# capped so that a browser never holds a live score longer than one live poll interval.
MAX_AGE_LIVE = 10
MAX_AGE_IDLE = 60
MAX_AGE_MIN = 2
POLL_SLACK_SECONDS = 2


@dataclass(frozen=True)
class LiveFeed:
    body: bytes
    gzipped: bytes
    etag: str  # the hash alone, unquoted
    live_count: int
    valid_until: int  # epoch seconds of the next Eastern midnight: "today" changes then
    stale: bool = False  # rendered from the database because Redis is down: no poll can run meanwhile


@dataclass(frozen=True)
class FeedRead:
    """What one request learned from Redis. `body` is None when the client's ETag matched."""

    etag: str
    live_count: int
    max_age: int
    body: bytes | None


def build_live_feed(now: datetime) -> LiveFeed:
    """Render today's games (one query) into the bytes every client will get until the next poll."""
    games = selectors.live_feed_games(now)
    live_count = sum(1 for game in games if game.is_live)
    _, day_end = live_state.eastern_day_bounds(0, now)
    document = {
        "day": now.astimezone(live_state.EASTERN).date().isoformat(),
        "live_count": live_count,
        "games": [game_payload(game) for game in games],
    }
    # Nothing time-dependent beyond the games themselves: an unchanged poll keeps the ETag.
    body = orjson.dumps(document)
    return LiveFeed(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
        live_count=live_count,
        valid_until=int(day_end.timestamp()),
    )


def _mapping(feed: LiveFeed) -> dict[FieldT, EncodableT]:
    return {
        "body": feed.body,
        "gz": feed.gzipped,
        "etag": feed.etag,
        "live_count": feed.live_count,
        "valid_until": feed.valid_until,
    }


def publish_live_feed(client: redis.Redis, *, now: datetime) -> LiveFeed:
    """Build and store the feed (called after every poll's commit): one query, two round trips.

    The feed's version and the streams' message (games/stream_publisher.py) go in the same
    transaction as the body, so that a stream's snapshot and its deltas always agree.
    """
    feed = build_live_feed(now)
    previous_body, previous_version = cast("list[bytes | None]", client.hmget(LIVE_FEED_KEY, "body", "version"))
    change = feed_change(previous_body, int(previous_version) if previous_version else None, feed.body)
    pipe = client.pipeline(transaction=True)
    pipe.delete(LIVE_FEED_KEY)
    pipe.hset(LIVE_FEED_KEY, mapping={**_mapping(feed), "version": change.version})
    pipe.expire(LIVE_FEED_KEY, LIVE_FEED_TTL)
    if change.message is not None:
        pipe.publish(LIVE_CHANNEL, change.message)
    pipe.execute()
    forget_local_copy()  # a web process publishing (tests, a manual poll) sees its own feed at once
    return feed


# KEYS: feed hash, poll gate. ARGV: body field, the ETag of the body this process holds, client ETags...
# Reply: next-poll PTTL, etag, live_count, valid_until, how, [body]; "how" is "match" (the client
# has it: 304), "local" (this process has it) or "body" (sent along).
_READ_SCRIPT = """
local pttl = redis.call('PTTL', KEYS[2])
local meta = redis.call('HMGET', KEYS[1], 'etag', 'live_count', 'valid_until')
if not meta[1] then return {pttl} end
for i = 3, #ARGV do
  if ARGV[i] == meta[1] or ARGV[i] == '*' then return {pttl, meta[1], meta[2], meta[3], 'match'} end
end
if ARGV[2] == meta[1] then return {pttl, meta[1], meta[2], meta[3], 'local'} end
return {pttl, meta[1], meta[2], meta[3], 'body', redis.call('HGET', KEYS[1], ARGV[1])}
"""

# Store only if the hash still holds what the caller saw (nothing, or an outdated day's feed).
_COMPARE_AND_SET_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'etag')
if (ARGV[1] == '' and not current) or current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'body', ARGV[3], 'gz', ARGV[4], 'etag', ARGV[5],
             'live_count', ARGV[6], 'valid_until', ARGV[7])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""


class Throttled(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"throttled for {wait_seconds}s")
        self.wait_seconds = wait_seconds


class WindowThrottle:
    """Requests per client in fixed windows, counted in this process.

    A shared count in Redis would cost the round trip this endpoint otherwise saves. With W
    processes serving, a client spread over all of them may get up to W times the rate; the
    rate is a guard against runaway clients, not an exact quota.
    """

    def __init__(self) -> None:
        self.window = -1
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def hit(self, ident: str, *, limit: int, window_seconds: int, now: float) -> None:
        current = int(now // window_seconds)
        with self.lock:
            if current != self.window:
                self.window, self.counts = current, {}
            count = self.counts.get(ident, 0) + 1
            self.counts[ident] = count
        if count > limit:
            raise Throttled(max(1, int(window_seconds - now % window_seconds)))


throttle = WindowThrottle()


@lru_cache(maxsize=1)
def feed_redis() -> redis.Redis:
    """The hot endpoint's own client: a slow Redis must fail fast, and the view falls back to the DB."""
    return redis.Redis.from_url(
        settings.REDIS_CACHE_URL, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
    )


_scripts: dict[int, tuple] = {}

# Under uvicorn one event loop per process, so one async client per process; tests run several loops.
_async_clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}
_async_scripts: dict[aioredis.Redis, AsyncScript] = {}


def async_feed_redis() -> aioredis.Redis:
    """feed_redis for async views: this event loop's client.

    A longer timeout than the sync client's: waiting on the loop holds no thread, while a busy loop
    (thousands of streams, a burst of requests) can delay reading a reply past 0.25 s, and each
    timeout would send a request to the database instead.
    """
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        for old in [other for other in _async_clients if other.is_closed()]:
            _async_scripts.pop(_async_clients.pop(old), None)
        client = _async_clients[loop] = aioredis.Redis.from_url(
            settings.REDIS_CACHE_URL, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )
        _async_scripts[client] = client.register_script(_READ_SCRIPT)
    return client


def forget_async_clients() -> None:
    """After the Redis URL changed (tests): the next request opens a new client."""
    _async_clients.clear()
    _async_scripts.clear()


def _scripts_for(client: redis.Redis) -> tuple:
    # register_script keeps the SHA and falls back to EVAL once after a SCRIPT FLUSH or a restart.
    key = id(client)
    if key not in _scripts:
        _scripts[key] = (
            client.register_script(_READ_SCRIPT),
            client.register_script(_COMPARE_AND_SET_SCRIPT),
        )
    return _scripts[key]


def max_age_for(next_poll_pttl_ms: int, live_count: int) -> int:
    cap = min(MAX_AGE_LIVE, max(MAX_AGE_MIN, settings.POLL_LIVE_SECONDS)) if live_count else MAX_AGE_IDLE
    remaining = math.ceil(max(0, next_poll_pttl_ms) / 1000) + POLL_SLACK_SECONDS
    return max(MAX_AGE_MIN, min(cap, remaining))


@dataclass(frozen=True)
class _Seen:
    """The feed's metadata as this process last read it from Redis."""

    etag: str
    live_count: int
    valid_until: int
    next_poll_at: float  # epoch seconds; 0 when no poll is planned (the gate key is gone)
    read_at: float  # time.monotonic()


# Per process: the feed's metadata, re-read from Redis at most every LIVE_FEED_LOCAL_SECONDS,
# and the last body of each encoding. A request then needs no Redis round trip at all, and the
# body crosses from Redis once per change, not once per request.
_seen: _Seen | None = None
_held: dict[str, tuple[str, bytes]] = {}


def forget_local_copy() -> None:
    global _seen
    _seen = None


def read_feed(client: redis.Redis, *, known_etags: list[str], gzip_ok: bool, now_epoch: float) -> FeedRead | None:
    """At most one round trip. None when the feed is missing or outdated (the caller rebuilds it)."""
    field = "gz" if gzip_ok else "body"
    held = read_held(field, known_etags, now_epoch)
    if held is not None:
        return held
    read_script, _ = _scripts_for(client)
    held_before = _held.get(field, ("", b""))
    reply = read_script(keys=[LIVE_FEED_KEY, NEXT_POLL_KEY], args=[field, held_before[0], *known_etags])
    return _from_reply(reply, field, held_before, now_epoch)


async def aread_feed(
    client: aioredis.Redis, *, known_etags: list[str], gzip_ok: bool, now_epoch: float
) -> FeedRead | None:
    """read_feed for an async view: the same script on this event loop's client (async_feed_redis)."""
    field = "gz" if gzip_ok else "body"
    held = read_held(field, known_etags, now_epoch)
    if held is not None:
        return held
    read_script = _async_scripts[client]
    # What this process held when it asked: another request may replace it while this one waits.
    held_before = _held.get(field, ("", b""))
    args = [field, held_before[0], *known_etags]
    reply = await read_script(keys=[LIVE_FEED_KEY, NEXT_POLL_KEY], args=args)
    return _from_reply(reply, field, held_before, now_epoch)


def read_held(field: str, known_etags: list[str], now_epoch: float) -> FeedRead | None:
    """The answer from what this process read lately, without a round trip; None when it must ask Redis."""
    seen = _seen
    if (
        seen is not None
        and time.monotonic() - seen.read_at < settings.LIVE_FEED_LOCAL_SECONDS
        and now_epoch < seen.valid_until
    ):
        pttl_ms = int((seen.next_poll_at - now_epoch) * 1000) if seen.next_poll_at else -2
        max_age = max_age_for(pttl_ms, seen.live_count)
        if seen.etag in known_etags or "*" in known_etags:
            return FeedRead(etag=seen.etag, live_count=seen.live_count, max_age=max_age, body=None)
        held = _held.get(field)
        if held is not None and held[0] == seen.etag:
            return FeedRead(etag=seen.etag, live_count=seen.live_count, max_age=max_age, body=held[1])
    return None


def _from_reply(reply: list, field: str, held_before: tuple[str, bytes], now_epoch: float) -> FeedRead | None:
    global _seen
    if len(reply) < 2:
        return None
    pttl_ms, etag, live_count, valid_until = int(reply[0]), reply[1].decode(), int(reply[2]), int(reply[3])
    if now_epoch >= valid_until:
        return None
    how = reply[4]
    if how == b"match":
        body = None
    elif how == b"local":
        body = held_before[1]
    else:
        body = reply[5]
        _held[field] = (etag, body)
    next_poll_at = now_epoch + pttl_ms / 1000 if pttl_ms > 0 else 0.0
    _seen = _Seen(etag, live_count, valid_until, next_poll_at, time.monotonic())
    return FeedRead(etag=etag, live_count=live_count, max_age=max_age_for(pttl_ms, live_count), body=body)


def store_if_unchanged(client: redis.Redis, feed: LiveFeed, *, expected_etag: str) -> bool:
    _, compare_and_set = _scripts_for(client)
    mapping = _mapping(feed)
    args = [
        expected_etag,
        LIVE_FEED_TTL,
        *(mapping[k] for k in ("body", "gz", "etag", "live_count", "valid_until")),
    ]
    return bool(compare_and_set(keys=[LIVE_FEED_KEY], args=args))


_rebuild_lock = threading.Lock()


def read_stored_feed(client: redis.Redis, now: datetime) -> tuple[LiveFeed | None, str]:
    """The stored feed while it is still valid (else None), and the stored ETag ("" when none)."""
    fields = client.hmget(LIVE_FEED_KEY, "body", "gz", "etag", "live_count", "valid_until")
    body, gz, etag, live_count, valid_until = cast("list[bytes | None]", fields)
    if etag is None:
        return None, ""
    if body is None or gz is None or live_count is None or valid_until is None or int(valid_until) <= now.timestamp():
        return None, etag.decode()
    return LiveFeed(body, gz, etag.decode(), int(live_count), int(valid_until)), etag.decode()


def rebuild_feed(client: redis.Redis | None, *, now: datetime) -> LiveFeed:
    """The cold path: one rebuild per process at a time; the others wait and then find it in Redis."""
    with _rebuild_lock:
        if client is not None:
            try:
                stored, expected = read_stored_feed(client, now)
            except redis.RedisError:
                stored, expected = None, ""
            if stored is not None:
                return stored
        feed = build_live_feed(now)
        if client is not None:
            try:
                store_if_unchanged(client, feed, expected_etag=expected)
            except redis.RedisError:
                log.warning("live feed: Redis unavailable, rebuilt feed not stored")
        return feed


def current_feed(now: datetime | None = None) -> LiveFeed:
    """The feed for a page render: Redis, else rebuilt from the database."""
    now = now or timezone.now()
    client = feed_redis()
    try:
        stored, _ = read_stored_feed(client, now)
        if stored is not None:
            return stored
    except redis.RedisError:
        log.warning("live feed: Redis unavailable, rendering from the database", exc_info=True)
        return dataclasses.replace(build_live_feed(now), stale=True)
    return rebuild_feed(client, now=now)


def parse_if_none_match(header: str) -> list[str]:
    """The opaque tags a client holds, weak or strong (If-None-Match compares weakly), '*' kept as is."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if tag.endswith("-gz"):
            tag = tag[:-3]
        if tag:
            tags.append(tag)
    return tags[:8]


def etag_header(etag: str, *, gzipped: bool) -> str:
    # Two representations of one document: distinct strong ETags, as RFC 9110 asks.
    return f'"{etag}-gz"' if gzipped else f'"{etag}"'
