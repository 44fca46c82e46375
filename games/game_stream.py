"""GET /api/games/<id>/stream/: one game's state and plays as Server-Sent Events.

Built on games/streams.py: the same hub (one Redis subscription per web process), the same
bounded per-client queues, heartbeats and per-address limits.

Events:
- `snapshot` on connect: `{"game": <the live feed's game shape>, "plays": [...], "watermark": W, ...}`
  with `id: W`, W the highest play sequence stored. The plays are the last 50, or with
  Last-Event-ID only those after it. The game comes from the stored live feed when it has it,
  else from one read of the database.
- `plays`: `{"plays": [new plays in game order], "watermark": W, ...}`, `id:` its last play (W, unless
  more than 500 came at once: then several events, each read on from the last), after the worker
  stored plays and published the new watermark on `scores:plays:{game_id}`.
  Both also carry the chart's share of their plays, so that the game page's chart moves with them:
  `win_probability` (the points of those plays, as in GET /api/games/<id>/) and
  `win_probability_chart` (its caption and axis after them, games/presenters.py; null without points).
- `game`: the game (live feed shape) whenever a poll changed it (score, status, situation); no id.

Plays are read from the database once per published watermark per web process, never per client:
the message carries only the watermark (the worker's plays can be hundreds of KB at full time, too
much to push through Redis to every process), so the process that sees it reads the plays above
what it last sent and frames one event for all its clients of that game. A correction that keeps the
watermark (ESPN rewrote a stored play) is not pushed; a client sees it on its next connect.

While a client is connected the game's `scores:stream_subscribers:{game_id}` counter (what makes
the worker fetch the game's summary at the live cadence) counts it: INCR on connect, DECR when it
goes, and a TTL refreshed at each heartbeat so that a web process that dies without DECR leaves the
count high for at most SUBSCRIBER_TTL after the game's last heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

import orjson
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from prometheus_client import Counter

from config.redis_keys import PLAYS_CHANNEL, STREAM_SUBSCRIBERS_KEY

from . import plays, streams
from .game_shape import game_payload
from .presenters import win_probability_chart
from .selectors import game_by_id

log = logging.getLogger(__name__)

PLAYS_CHANNEL_PREFIX = PLAYS_CHANNEL.format(game_id="")
STREAM = "game"
NOTHING_STORED = -1  # below every sequence: "send every play"

PLAYS_READS = Counter(
    "scores_game_stream_plays_reads_total", "Reads of new plays by a web process for its game-stream clients."
)


def subscriber_ttl() -> int:
    return int(settings.STREAM_HEARTBEAT_SECONDS * 4)


@dataclass(eq=False)
class WatchedGame:
    """What one process has sent its clients of a game."""

    sent_upto: int  # the watermark of the last plays read for the clients
    announced: int  # the highest watermark published
    reading: asyncio.Task | None = None


def channel_of(game_id: int) -> str:
    return PLAYS_CHANNEL.format(game_id=game_id)


# --------------------------------------------------------------------------- the hub's side


def plays_announced(hub: streams.Hub, channel: str, raw: bytes) -> None:
    """The worker stored plays of a game: read them once for this process's clients of it."""
    if channel not in hub.clients:
        return  # nobody here watches that game
    try:
        game_id, watermark = int(channel[len(PLAYS_CHANNEL_PREFIX) :]), int(raw)
    except ValueError:
        return  # no watermark (no plays yet) or not ours
    watched = hub.games.get(game_id)
    if watched is None:  # a client connected and its snapshot is still being read
        watched = hub.games[game_id] = WatchedGame(NOTHING_STORED, NOTHING_STORED)
    if watermark <= watched.announced:
        return  # read already (or a correction under the same watermark)
    watched.announced = watermark
    if watched.reading is None or watched.reading.done():
        watched.reading = asyncio.get_running_loop().create_task(read_new_plays(hub, game_id, watched))


async def read_new_plays(hub: streams.Hub, game_id: int, watched: WatchedGame) -> None:
    while watched.sent_upto < watched.announced:
        try:
            page = await sync_to_async(plays.new_since)(game_id, watched.sent_upto)
        except Exception:  # the database away: the clients catch up on their next connect
            log.exception("game stream: new plays unreadable", extra={"game_id": game_id})
            return
        PLAYS_READS.inc()
        if not page["plays"]:
            return
        # A page holds at most 500 plays: the id is the last one sent, and the loop reads on from it.
        cursor = watched.sent_upto = page["cursor"]
        chart = await chart_of(hub, game_id, None, page["plays"])
        data = orjson.dumps({"plays": page["plays"], "watermark": page["watermark"], **chart})
        hub.deliver(channel_of(game_id), streams.Event(cursor, streams.sse_frame("plays", cursor, data)))


async def chart_of(hub: streams.Hub, game_id: int, game: dict | None, new_plays: list[dict]) -> dict:
    """The chart's points among these plays, and its caption and axis after them (read once per process)."""
    points = plays.win_probability_of(new_plays)
    if points and game is None:
        game = await game_state(hub, game_id)
    chart = win_probability_chart(game, points) if points and game is not None else None
    return {"win_probability": points, "win_probability_chart": chart}


def live_changed(hub: streams.Hub, kind: str, data: bytes) -> None:
    """A poll changed games: each watched one goes to its clients as `event: game` (parsed once per process)."""
    for game in orjson.loads(data).get("games", ()):
        channel = channel_of(game["id"])
        if channel in hub.clients:
            hub.deliver(channel, streams.Event(None, streams.sse_frame("game", None, orjson.dumps(game))))


# --------------------------------------------------------------------------- one client


async def game_state(hub: streams.Hub, game_id: int) -> dict | None:
    """The game in the live feed's shape: from the stored feed (shared read) or one database read."""
    feed = await hub.snapshot()
    if feed is not None:
        for game in orjson.loads(feed[1])["games"]:
            if game["id"] == game_id:
                return game

    def from_database() -> dict | None:
        game = game_by_id(game_id)
        return None if game is None else game_payload(game)

    return await sync_to_async(from_database)()


async def read_snapshot(
    hub: streams.Hub, game_id: int, after_seq: int | None, game: dict | None = None
) -> tuple[int | None, bytes, str] | None:
    game = game or await game_state(hub, game_id)
    if game is None:
        return None
    page = await sync_to_async(plays.new_since)(game_id, after_seq)
    if after_seq is not None and page["plays"] and page["cursor"] < page["watermark"]:
        page = await sync_to_async(plays.new_since)(game_id, None)  # away too long to catch up: the last 50
    watermark = page["watermark"]
    if game_id not in hub.games:
        stored = NOTHING_STORED if watermark is None else watermark
        hub.games[game_id] = WatchedGame(stored, stored)
    chart = await chart_of(hub, game_id, game, page["plays"])
    data = orjson.dumps({"game": game, "plays": page["plays"], "watermark": watermark, **chart})
    return watermark, data, "snapshot"


async def counted_subscriber(hub: streams.Hub, game_id: int, body: AsyncGenerator[bytes]) -> AsyncIterator[bytes]:
    """The client's bytes, counted in the game's subscriber counter while it is connected."""
    key = STREAM_SUBSCRIBERS_KEY.format(game_id=game_id)
    ttl = subscriber_ttl()
    counted = False
    try:
        with contextlib.suppress(redis.RedisError, OSError):
            async with hub.reader().pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl)
                await pipe.execute()
            counted = True
        async for chunk in body:
            if chunk is streams.HEARTBEAT:
                with contextlib.suppress(redis.RedisError, OSError):
                    await hub.reader().expire(key, ttl)
            yield chunk
    finally:
        await body.aclose()  # leaves the hub first
        if channel_of(game_id) not in hub.clients:
            watched = hub.games.pop(game_id, None)
            if watched is not None and watched.reading is not None:
                watched.reading.cancel()
        if counted:
            with contextlib.suppress(redis.RedisError, OSError):
                if await hub.reader().decr(key) <= 0:
                    await hub.reader().delete(key)


async def game_events(
    game_id: int, last_event_id: int | None, *, heartbeat_seconds: float | None = None
) -> AsyncIterator[bytes] | None:
    """The client's stream, or None when there is no such game."""
    the_hub = streams.hub()
    read_at = (the_hub.subscribed.is_set(), the_hub.feed_generation)
    game = await game_state(the_hub, game_id)  # before the response starts: 404 for no such game
    if game is None:
        return None
    pending = [game]

    async def snapshot() -> tuple[int | None, bytes, str] | None:
        # The plays are read after the client joined the hub: none stored meanwhile is missed.
        if pending:
            first = pending.pop()
            # The game read above is still current unless a poll came (or could have come unseen) since.
            fresh = read_at == (True, the_hub.feed_generation)
            return await read_snapshot(the_hub, game_id, last_event_id, first if fresh else None)
        return await read_snapshot(the_hub, game_id, None)  # after a lost subscription: the last 50 again

    body = streams.events(
        the_hub,
        channel=channel_of(game_id),
        stream=STREAM,
        last_event_id=last_event_id,
        snapshot=snapshot,
        heartbeat_seconds=heartbeat_seconds or settings.STREAM_HEARTBEAT_SECONDS,
        resend_current=True,
    )
    return counted_subscriber(the_hub, game_id, body)
