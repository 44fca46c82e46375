"""GET /api/games/<id>/stream/: the game and its plays on connect, resume, new plays, state, the watched counter.

Real Redis, real database, real recorded summary; the hub's subscription is fed by the test (the
real one is exercised by the browser test, served by uvicorn).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import orjson
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.urls import reverse
from prometheus_client import REGISTRY

from config.redis_client import cache_redis
from config.redis_keys import LIVE_CHANNEL, STREAM_SUBSCRIBERS_KEY
from games import game_stream, plays, streams
from games.game_shape import game_payload
from games.ingest import ingest_snapshots
from games.models import Game
from games.plays import store_plays
from games.selectors import game_by_id
from games.stream_publisher import stream_message
from tests.games.seed import fresh_live_feed_process_state, summary  # noqa: F401  (autouse)

from .test_streams import parse_frames

pytestmark = pytest.mark.django_db

NOW = datetime(2023, 9, 17, 20, 0, tzinfo=UTC)


@pytest.fixture
def game_summary():
    return summary()


@pytest.fixture
def game(game_summary) -> Game:
    ingest_snapshots([game_summary.game], now=NOW)
    found = Game.objects.get(espn_id=game_summary.game.espn_id)
    store_plays(found.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:120]), now=NOW)
    return found


@pytest.fixture
def hub(monkeypatch, settings):
    """One hub for every client of the test, as in a web process, reading the test's Redis."""
    the_hub = streams.Hub(settings.REDIS_CACHE_URL, 8)
    the_hub.listen = lambda: asyncio.sleep(0)  # type: ignore[method-assign]
    the_hub.subscribed.set()
    monkeypatch.setattr(streams, "hub", lambda: the_hub)
    return the_hub


def store_up_to(game: Game, game_summary, count: int) -> int:
    stored = store_plays(game.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:count]), now=NOW)
    return stored.watermark


async def open_stream(game_id: int, last_event_id: int | None = None, heartbeat: float = 15.0):
    """A client's stream, read up to its snapshot."""
    stream = await game_stream.game_events(game_id, last_event_id, heartbeat_seconds=heartbeat)
    chunks = [await anext(stream), await anext(stream)]  # retry, snapshot
    return stream, chunks


def plays_reads() -> float:
    return REGISTRY.get_sample_value("scores_game_stream_plays_reads_total") or 0.0


def sequences(event: dict) -> list[int]:
    return [play["sequence"] for play in orjson.loads(event["data"])["plays"]]


def test_on_connect_the_game_in_the_live_shape_and_its_last_50_plays_with_the_watermark_as_id(game, game_summary, hub):
    async def scenario():
        stream, chunks = await open_stream(game.pk)
        await stream.aclose()
        return chunks

    retry, snapshot = parse_frames(async_to_sync(scenario)())
    assert retry == {"retry": "2000"}
    assert snapshot["event"] == "snapshot"
    assert snapshot["id"] == str(game_summary.plays[119].sequence)
    data = orjson.loads(snapshot["data"])
    assert data["game"] == orjson.loads(orjson.dumps(game_payload(game_by_id(game.pk))))
    assert sequences(snapshot) == [p.sequence for p in game_summary.plays[70:120]]
    assert data["watermark"] == game_summary.plays[119].sequence


def test_resuming_with_last_event_id_sends_only_the_plays_after_it(game, game_summary, hub):
    async def scenario():
        stream, chunks = await open_stream(game.pk, last_event_id=game_summary.plays[109].sequence)
        await stream.aclose()
        return chunks

    _, snapshot = parse_frames(async_to_sync(scenario)())
    assert sequences(snapshot) == [p.sequence for p in game_summary.plays[110:120]]
    assert snapshot["id"] == str(game_summary.plays[119].sequence)


def test_no_such_game_is_no_stream(db, hub):
    assert async_to_sync(game_stream.game_events)(987654, None) is None


def test_new_plays_reach_every_client_from_one_read_per_watermark_per_process(game, game_summary, hub):
    channel = game_stream.channel_of(game.pk)

    async def scenario():
        first, _ = await open_stream(game.pk)
        second, _ = await open_stream(game.pk)
        watermark = await sync_to_async(store_up_to)(game, game_summary, 123)
        reads_before = plays_reads()
        hub.on_message(channel, str(watermark).encode())
        hub.on_message(channel, str(watermark).encode())  # the same watermark again: no second read
        got = [await anext(first), await anext(second)]
        await hub.games[game.pk].reading
        reads = plays_reads() - reads_before
        await first.aclose()
        await second.aclose()
        return got, reads

    got, reads = async_to_sync(scenario)()
    events = [parse_frames([chunk])[0] for chunk in got]
    new = [p.sequence for p in game_summary.plays[120:123]]
    assert [(e["event"], e["id"], sequences(e)) for e in events] == [("plays", str(new[-1]), new)] * 2
    assert reads == 1  # once for both clients
    assert hub.games == {}  # forgotten with its last client


def test_pushed_plays_carry_their_win_probability_points_and_the_charts_words_after_them(game, game_summary, hub):
    async def scenario():
        stream, chunks = await open_stream(game.pk)
        watermark = await sync_to_async(store_up_to)(game, game_summary, 123)
        hub.on_message(game_stream.channel_of(game.pk), str(watermark).encode())
        chunks.append(await anext(stream))
        await stream.aclose()
        return chunks

    _, snapshot, event = parse_frames(async_to_sync(scenario)())
    detail = orjson.loads(orjson.dumps(plays.detail(game.pk, latest=0)))["win_probability"]
    chart = {"caption": "Final: Atlanta Falcons won 25\N{EN DASH}24.", "period_labels": ["Q1", "Q2", "Q3", "Q4"]}
    first = orjson.loads(snapshot["data"])
    assert first["win_probability"] == detail[70:120]  # the points of its last 50 plays, as the detail API has them
    assert first["win_probability_chart"] == chart
    pushed = orjson.loads(event["data"])
    assert [p["play_id"] for p in pushed["win_probability"]] == [p.espn_id for p in game_summary.plays[120:123]]
    assert pushed["win_probability"] == detail[120:123]
    assert pushed["win_probability_chart"] == chart


def test_plays_without_win_probability_carry_no_chart(game, game_summary, hub):
    stripped = dataclasses.replace(game_summary, win_probability=[])

    async def scenario():
        stream, _ = await open_stream(game.pk)
        stored = await sync_to_async(store_plays)(
            game.pk, dataclasses.replace(stripped, plays=stripped.plays[:123]), now=NOW
        )
        hub.on_message(game_stream.channel_of(game.pk), str(stored.watermark).encode())
        chunk = await anext(stream)
        await stream.aclose()
        return chunk

    [event] = parse_frames([async_to_sync(scenario)()])
    data = orjson.loads(event["data"])
    assert len(data["plays"]) == 3 and data["win_probability"] == [] and data["win_probability_chart"] is None


def test_a_score_change_goes_to_the_games_clients_as_a_game_event_without_an_id(game, hub):
    async def scenario():
        stream, _ = await open_stream(game.pk)
        payload = orjson.loads(orjson.dumps(await sync_to_async(lambda: game_payload(game_by_id(game.pk)))()))
        payload["home"]["score"] = 99
        other = {**payload, "id": game.pk + 1000}
        delta = orjson.dumps({"live_count": 2, "games": [other, payload]})
        hub.on_message(LIVE_CHANNEL, stream_message("games", 5, delta))
        chunk = await anext(stream)
        await stream.aclose()
        return chunk

    [event] = parse_frames([async_to_sync(scenario)()])
    assert event["event"] == "game" and "id" not in event
    assert orjson.loads(event["data"])["home"]["score"] == 99


def test_a_score_change_between_a_client_joining_and_its_snapshot_is_not_lost(game, hub):
    async def scenario():
        client = hub.join(game_stream.channel_of(game.pk), game_stream.STREAM)  # its snapshot not read yet
        payload = orjson.loads(orjson.dumps(await sync_to_async(lambda: game_payload(game_by_id(game.pk)))()))
        payload["home"]["score"] = 99
        hub.on_message(LIVE_CHANNEL, stream_message("games", 5, orjson.dumps({"live_count": 1, "games": [payload]})))
        hub.leave(client)
        return client.queue.get_nowait().frame

    [event] = parse_frames([async_to_sync(scenario)()])
    assert event["event"] == "game"
    assert orjson.loads(event["data"])["home"]["score"] == 99


def test_connected_clients_are_counted_for_the_worker_and_the_heartbeat_keeps_the_count_alive(game, hub, settings):
    key = STREAM_SUBSCRIBERS_KEY.format(game_id=game.pk)
    redis_client = cache_redis()
    redis_client.delete(key)
    counts = []

    async def scenario():
        first, _ = await open_stream(game.pk, heartbeat=0.05)
        counts.append(redis_client.get(key))
        second, _ = await open_stream(game.pk, heartbeat=0.05)
        counts.append(redis_client.get(key))
        redis_client.expire(key, 2)  # as if nobody had refreshed it for a while
        assert await anext(first) == streams.HEARTBEAT
        await anext(first)  # the chunk after the heartbeat: its refresh is done
        counts.append(redis_client.ttl(key))
        await second.aclose()
        counts.append(redis_client.get(key))
        await first.aclose()
        counts.append(redis_client.get(key))

    async_to_sync(scenario)()
    assert counts[:2] == [b"1", b"2"]
    assert counts[2] > 2 and counts[2] <= game_stream.subscriber_ttl()
    assert counts[3:] == [b"1", None]


def test_a_process_that_died_cannot_leave_the_game_watched_forever(game, hub):
    key = STREAM_SUBSCRIBERS_KEY.format(game_id=game.pk)

    async def scenario():
        stream, _ = await open_stream(game.pk)
        ttl = cache_redis().ttl(key)
        await stream.aclose()
        return ttl

    assert 0 < async_to_sync(scenario)() <= game_stream.subscriber_ttl()


def test_the_url_and_its_schema(client):
    assert reverse("api-game-stream", args=[7]) == "/api/games/7/stream/"
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/games/{id}/stream/" in schema["paths"]


def test_more_new_plays_than_one_page_arrive_in_pages_each_with_its_last_sequence_as_id(
    game, game_summary, hub, monkeypatch
):
    from games import plays

    read = plays.new_since
    monkeypatch.setattr(plays, "new_since", lambda game_id, after_seq: read(game_id, after_seq, limit=2))

    async def scenario():
        stream, _ = await open_stream(game.pk, last_event_id=game_summary.plays[117].sequence)
        watermark = await sync_to_async(store_up_to)(game, game_summary, 125)
        hub.on_message(game_stream.channel_of(game.pk), str(watermark).encode())
        got = [await anext(stream) for _ in range(3)]
        await stream.aclose()
        return got

    events = [parse_frames([chunk])[0] for chunk in async_to_sync(scenario)()]
    new = [p.sequence for p in game_summary.plays[120:125]]
    assert [(e["id"], sequences(e)) for e in events] == [
        (str(new[1]), new[:2]), (str(new[3]), new[2:4]), (str(new[4]), new[4:]),
    ]  # fmt: skip
