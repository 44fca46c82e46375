"""Server-Sent Events: GET /api/games/live/stream/ and the pick'em standings stream, under ASGI.

One `Hub` per web process (per event loop) holds ONE Redis pub/sub connection, opened when the
first client connects, subscribed to the live channel and to every league's standings channel.
Each message is framed into SSE bytes once, then handed to every client of that channel through
the client's own small bounded queue. A client whose queue is full (it stopped reading, or reads
slower than the games change) is dropped, and counted, rather than holding the others back or
growing memory: its browser reconnects with Last-Event-ID and gets a fresh snapshot.

When the subscription breaks (Redis restarted) the hub reconnects with backoff and then tells
every client to resynchronise: each compares its last sent version with the stored feed's and
sends a fresh snapshot when they differ, so a message lost meanwhile costs nothing. A client
whose snapshot was read before the subscription was up (the process's first clients, when
subscribing is slow) is resynchronised the same way once it is up: a poll published in between
reached nobody.

A stream never touches the database: the snapshot comes from `scores:live_feed` (read once for
many clients connecting together), the deltas from the channel.

Django 5.2 under uvicorn: when the client goes away, Django's ASGI handler cancels the task that
sends the response; the async generator below is closed (aclosing) and its `finally` leaves the
hub. Dropping a slow client cancels that same task.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

import redis
import redis.asyncio as aioredis
from django.conf import settings
from prometheus_client import Counter, Gauge
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from config.ratelimit import ahit, parse_rate
from config.redis_keys import LIVE_CHANNEL, LIVE_FEED_KEY, PLAYS_CHANNEL, STANDINGS_PATTERN

from .stream_publisher import parse_stream_message

log = logging.getLogger(__name__)

PLAYS_PATTERN = PLAYS_CHANNEL.format(game_id="*")

STREAM_CLIENTS = Gauge(
    "scores_stream_clients", "Stream clients connected now, by stream.", ["stream"], multiprocess_mode="livesum"
)
STREAM_DROPPED = Counter(
    "scores_stream_clients_dropped_total", "Stream clients dropped because their queue was full.", ["stream"]
)
STREAM_EVENTS = Counter("scores_stream_events_total", "Events handed to stream clients, by stream.", ["stream"])
STREAM_RESUBSCRIBES = Counter(
    "scores_stream_resubscribes_total", "Times a web process re-opened its Redis subscription after losing it."
)

HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: pass each event on at once instead of buffering the response
}
RESYNC = object()  # queued to every client after the subscription was re-opened
SNAPSHOT_REUSE_SECONDS = 0.5  # clients connecting together share one read of the stored feed
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 5.0
SUBSCRIBE_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Event:
    """One message as every client of its channel will send it."""

    version: int | None  # None: sent to every client of the channel whatever it has seen (a game's state)
    frame: bytes


def sse_frame(kind: str, version: int | None, data: bytes) -> bytes:
    """One SSE event. `data` is single-line JSON (orjson never writes a newline)."""
    head = b"id: %d\n" % version if version is not None else b""
    return head + b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"


HEARTBEAT = b": heartbeat\n\n"


def retry_frame() -> bytes:
    return b"retry: %d\n\n" % settings.STREAM_RETRY_MILLISECONDS


def parse_last_event_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None  # not one of ours: a fresh snapshot


@dataclass(eq=False)
class Client:
    channel: str
    stream: str
    queue: asyncio.Queue
    task: asyncio.Task | None
    dropped: bool = False
    unsubscribed_snapshot: bool = False  # its snapshot was read while no subscription was up


@dataclass
class Hub:
    """One per event loop: the process's subscription and its clients."""

    redis_url: str
    queue_size: int
    clients: dict[str, set[Client]] = field(default_factory=dict)
    listener: asyncio.Task | None = None
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: aioredis.Redis | None = None
    _snapshot: tuple[float, tuple[int | None, bytes] | None] | None = None
    _snapshot_read: tuple[int, asyncio.Future] | None = None  # (feed generation at its start, the read)
    feed_generation: int = 0  # live messages seen: a snapshot read before the latest one is stale
    latest_version: int = 0  # the newest live version this process has seen on the channel
    open_by_address: collections.Counter = field(default_factory=collections.Counter)
    games: dict = field(default_factory=dict)  # game id -> games.game_stream.WatchedGame, while it has clients

    # ------------------------------------------------------------------ clients

    def join(self, channel: str, stream: str) -> Client:
        client = Client(channel, stream, asyncio.Queue(self.queue_size), asyncio.current_task())
        self.clients.setdefault(channel, set()).add(client)
        STREAM_CLIENTS.labels(stream).inc()
        if self.listener is None or self.listener.done():
            self.listener = asyncio.get_running_loop().create_task(self.listen(), name="stream-hub")
        return client

    def hold_place(self, address: str) -> Callable[[], None] | None:
        """A place among the address's streams in this process, or None past STREAM_MAX_PER_ADDRESS.

        The release it returns may be called more than once (by the stream's end and by its collection).
        """
        limit = settings.STREAM_MAX_PER_ADDRESS
        if limit > 0 and self.open_by_address[address] >= limit:
            return None
        self.open_by_address[address] += 1
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self.open_by_address[address] -= 1
                if self.open_by_address[address] <= 0:
                    del self.open_by_address[address]

        return release

    def leave(self, client: Client) -> None:
        members = self.clients.get(client.channel)
        if members is not None and client in members:
            members.discard(client)
            STREAM_CLIENTS.labels(client.stream).dec()
            if not members:
                del self.clients[client.channel]

    def deliver(self, channel: str, item: object) -> None:
        """Hand one item to every client of the channel; a full queue drops its client."""
        for client in list(self.clients.get(channel, ())):
            try:
                client.queue.put_nowait(item)
            except asyncio.QueueFull:
                self.drop(client)

    def drop(self, client: Client) -> None:
        client.dropped = True
        self.leave(client)
        STREAM_DROPPED.labels(client.stream).inc()
        if client.task is not None and client.task is not asyncio.current_task():
            client.task.cancel()  # ends the response: the browser reconnects and resynchronises

    def resync(self, *, every_client: bool) -> None:
        """Clients re-read the stored feed: all of them after a lost subscription, else those whose
        snapshot was read while none was up."""
        self.feed_moved()
        for channel in list(self.clients):
            for client in list(self.clients.get(channel, ())):
                if every_client or client.unsubscribed_snapshot:
                    client.unsubscribed_snapshot = False
                    try:
                        client.queue.put_nowait(RESYNC)
                    except asyncio.QueueFull:
                        self.drop(client)

    def feed_moved(self) -> None:
        self.feed_generation += 1
        self._snapshot = None

    # ------------------------------------------------------------------ the subscription

    def on_message(self, channel: str, raw: bytes) -> None:
        from . import game_stream

        if channel.startswith(game_stream.PLAYS_CHANNEL_PREFIX):
            game_stream.plays_announced(self, channel, raw)
            return
        kind, version, data = parse_stream_message(raw)
        if channel == LIVE_CHANNEL:
            self.latest_version = max(self.latest_version, version)
            self.feed_moved()
            if any(name.startswith(game_stream.PLAYS_CHANNEL_PREFIX) for name in self.clients):
                game_stream.live_changed(self, kind, data)
        self.deliver(channel, Event(version, sse_frame(kind, version, data)))

    async def listen(self) -> None:
        backoff, lost = BACKOFF_FIRST, False
        while self.clients:
            # No retries inside redis-py: a lost subscription must come back here, to resync the clients.
            connection = aioredis.Redis.from_url(
                self.redis_url, socket_connect_timeout=2, socket_keepalive=True, retry=Retry(NoBackoff(), 0)
            )
            pubsub = connection.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(LIVE_CHANNEL)
                await pubsub.psubscribe(STANDINGS_PATTERN, PLAYS_PATTERN)
                self.subscribed.set()
                if lost:
                    STREAM_RESUBSCRIBES.inc()
                    log.info("stream subscription restored")
                self.resync(every_client=lost)
                backoff, lost = BACKOFF_FIRST, False
                while self.clients:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message["type"] not in ("message", "pmessage"):
                        continue
                    channel = message["channel"].decode()
                    try:
                        self.on_message(channel, message["data"])
                    except (ValueError, IndexError):
                        log.warning("stream message unreadable", extra={"channel": channel})
            except (redis.RedisError, OSError) as exc:
                self.subscribed.clear()
                if not lost:
                    log.warning("stream subscription lost", extra={"error": f"{exc.__class__.__name__}: {exc}"})
                lost = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                await close_quietly(pubsub, connection)
        self.subscribed.clear()

    # ------------------------------------------------------------------ snapshots

    def reader(self) -> aioredis.Redis:
        if self._reader is None:
            # A few connections for many clients: reads are short and shared (snapshot()).
            # One retry: after a Redis restart a pooled connection is dead until used once.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.redis_url, max_connections=8, timeout=2, socket_timeout=2, socket_connect_timeout=2,
                retry=Retry(NoBackoff(), 1),
            )  # fmt: skip
            self._reader = aioredis.Redis(connection_pool=pool)
        return self._reader

    async def snapshot(self) -> tuple[int | None, bytes] | None:
        """(version, body) of the stored live feed, or None when there is none (Redis empty or down)."""
        cached = self._snapshot
        if cached is not None and time.monotonic() - cached[0] < SNAPSHOT_REUSE_SECONDS:
            return cached[1]
        # A read started before the feed last moved may hold the older feed: this client starts its own.
        if self._snapshot_read is None or self._snapshot_read[0] != self.feed_generation:
            self._snapshot_read = (self.feed_generation, asyncio.ensure_future(self._read_snapshot()))
        current = self._snapshot_read
        try:
            return await asyncio.shield(current[1])
        finally:
            if self._snapshot_read is current and current[1].done():
                self._snapshot_read = None

    async def _read_snapshot(self) -> tuple[int | None, bytes] | None:
        generation = self.feed_generation
        try:
            fields = await self.reader().hmget(LIVE_FEED_KEY, "body", "version")
            body, version = cast("list[bytes | None]", fields)
        except (redis.RedisError, OSError) as exc:
            log.warning("stream snapshot unavailable", extra={"error": str(exc)})
            return None
        found = None if body is None else (int(version) if version else None, body)
        if generation == self.feed_generation:  # else a message came meanwhile: not worth sharing
            self._snapshot = (time.monotonic(), found)
        return found

    async def read_key(self, key: str) -> bytes | None:
        try:
            return cast("bytes | None", await self.reader().get(key))
        except (redis.RedisError, OSError) as exc:
            log.warning("stream snapshot unavailable", extra={"error": str(exc), "key": key})
            return None


async def close_quietly(pubsub, connection) -> None:
    for closing in (pubsub.aclose, connection.aclose):
        with contextlib.suppress(redis.RedisError, OSError, RuntimeError):
            await closing()


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """This event loop's hub (uvicorn runs one loop per process; tests may run several)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for old in [other for other in _hubs if other.is_closed()]:
            del _hubs[old]
        found = _hubs[loop] = Hub(settings.REDIS_CACHE_URL, settings.STREAM_QUEUE_SIZE)
    return found


# --------------------------------------------------------------------------- one client's events

Snapshot = Callable[[], Awaitable[tuple[int | None, bytes, str] | None]]


async def events(
    the_hub: Hub,
    *,
    channel: str,
    stream: str,
    last_event_id: int | None,
    snapshot: Snapshot,
    heartbeat_seconds: float,
    resend_current: bool = False,
) -> AsyncGenerator[bytes]:
    """The bytes of one client's stream: a snapshot unless Last-Event-ID is current, then deltas.

    `snapshot()` gives (version, data, event name) of what is stored now, or None.
    `resend_current`: send the snapshot even at the client's version (it knows that it was resumed).
    """
    client = the_hub.join(channel, stream)  # before reading the snapshot: nothing published meanwhile is missed
    sent = last_event_id
    try:
        yield retry_frame()
        # The process's first client: let the subscription start before reading the snapshot (Redis
        # down: heartbeats until the hub's resync).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(the_hub.subscribed.wait(), SUBSCRIBE_WAIT_SECONDS)
        # Still none: what is published before it is up reaches nobody, so resync once it is.
        client.unsubscribed_snapshot = not the_hub.subscribed.is_set()

        async def resync() -> AsyncIterator[bytes]:
            nonlocal sent
            found = await snapshot()
            if found is None:
                return
            version, data, kind = found
            if version is not None and version == sent and not resend_current:
                return  # the client already has it
            sent = version if version is not None else sent
            STREAM_EVENTS.labels(stream).inc()
            yield sse_frame(kind, version, data)

        async for frame in resync():
            yield frame
        while not client.dropped:
            try:
                # asyncio.timeout, not wait_for: in 3.11 wait_for wraps every wait in a new task, and a
                # fan-out wakes thousands of these waits at once.
                async with asyncio.timeout(heartbeat_seconds):
                    item = await client.queue.get()
            except TimeoutError:
                yield HEARTBEAT
                continue
            if item is RESYNC:
                async for frame in resync():
                    yield frame
            elif item.version is None:
                STREAM_EVENTS.labels(stream).inc()
                yield item.frame
            elif sent is None or item.version > sent:
                sent = item.version
                STREAM_EVENTS.labels(stream).inc()
                yield item.frame
    finally:
        the_hub.leave(client)


async def live_snapshot(the_hub: Hub) -> tuple[int | None, bytes, str] | None:
    found = await the_hub.snapshot()
    return None if found is None else (found[0], found[1], "snapshot")


def live_events(last_event_id: int | None, *, heartbeat_seconds: float | None = None) -> AsyncIterator[bytes]:
    the_hub = hub()
    return events(
        the_hub,
        channel=LIVE_CHANNEL,
        stream="live",
        last_event_id=last_event_id,
        snapshot=lambda: live_snapshot(the_hub),
        heartbeat_seconds=heartbeat_seconds or settings.STREAM_HEARTBEAT_SECONDS,
    )


# --------------------------------------------------------------------------- admission

REFUSED_RETRY_SECONDS = 30  # what a client over its open-streams limit is told (stream.js retries then)


async def admission_wait(address: str) -> int:
    """0 when the address may open another stream now, else the seconds to wait (STREAM_CONNECT_RATE).

    Counted in Redis, so every web process shares the count; an unreachable Redis does not refuse.
    """
    if not settings.STREAM_CONNECT_RATE:
        return 0
    limit, window = parse_rate(settings.STREAM_CONNECT_RATE)
    try:
        return await ahit(hub().reader(), "stream", "ip", address, limit=limit, window=window)
    except (redis.RedisError, OSError) as exc:
        log.warning("stream connection rate not applied: Redis unavailable error=%s", exc)
        return 0


def counted(body: AsyncIterator[bytes], release: Callable[[], None]) -> AsyncIterator[bytes]:
    """The stream's bytes, giving its place back when it ends, however it ends."""

    async def stream() -> AsyncIterator[bytes]:
        try:
            async for chunk in body:
                yield chunk
        finally:
            release()

    wrapped = stream()
    weakref.finalize(wrapped, release)  # a response dropped before its first byte never runs `finally`
    return wrapped
