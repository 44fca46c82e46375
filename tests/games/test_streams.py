"""Push over Server-Sent Events: the poller's message, versions, resume, heartbeat, slow clients.

Real Redis (the cache database), real ingests of recorded ESPN JSON; the event loop's clock is the
only thing faked (a loop that jumps to its next timer when it has nothing else to do).
"""

from __future__ import annotations

import asyncio
import gc
from datetime import timedelta

import orjson
import pytest
import time_machine
from django.urls import resolve, reverse
from prometheus_client import REGISTRY

from config.redis_client import cache_redis
from config.redis_keys import LIVE_CHANNEL, LIVE_FEED_KEY
from games import streams
from games.stream_publisher import feed_change, next_version, parse_stream_message, stream_message
from tests.event_loops import run_in_new_loop
from tests.games.seed import fresh_live_feed_process_state  # noqa: F401  (autouse)

from .seed import (
    NE_AT_MIA,
    NFL_LIVE_DAY,
    NO_AT_ATL,
    SUNDAY_2022,
    ingest,
    payload,
    publish,
    scoreboard_snapshots,
    set_score,
)

pytestmark = pytest.mark.django_db


class AutoJumpLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready: 15 s take no time."""

    def __init__(self) -> None:
        super().__init__()
        self._virtual_now = 0.0

    def time(self) -> float:
        return self._virtual_now

    def _run_once(self) -> None:
        if not self._ready and self._scheduled and not self._stopping:
            self._virtual_now = max(self._virtual_now, self._scheduled[0]._when)
        super()._run_once()


def run(coroutine, loop_factory=asyncio.new_event_loop):
    return run_in_new_loop(coroutine, loop_factory)


def poll(data: dict, now) -> None:
    with time_machine.travel(now, tick=False):
        publish(ingest(scoreboard_snapshots(data, "football/nfl"), now=now), now=now)


def stored_feed() -> tuple[int, dict]:
    body, version = cache_redis().hmget(LIVE_FEED_KEY, "body", "version")
    return int(version), orjson.loads(body)


def parse_frames(chunks: list[bytes]) -> list[dict]:
    """SSE frames into dicts (comment lines as {"comment": ...})."""
    events = []
    for frame in b"".join(chunks).split(b"\n\n"):
        if not frame:
            continue
        event: dict = {}
        for line in frame.split(b"\n"):
            name, _, value = line.partition(b":")
            if name == b"":
                event["comment"] = value.strip().decode()
            else:
                event[name.decode()] = value[1:].decode() if value.startswith(b" ") else value.decode()
        events.append(event)
    return events


class Subscriber:
    """A plain Redis subscriber to the live channel (what every web process's hub listens to)."""

    def __init__(self) -> None:
        self.pubsub = cache_redis().pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(LIVE_CHANNEL)
        self.pubsub.get_message(timeout=1)  # the subscribe confirmation

    def messages(self) -> list[tuple[str, int, bytes]]:
        found = []
        while (message := self.pubsub.get_message(timeout=0.2)) is not None:
            found.append(parse_stream_message(message["data"]))
        return found


@pytest.fixture
def subscriber():
    sub = Subscriber()
    yield sub
    sub.pubsub.close()


# --------------------------------------------------------------------------- the poller's message


def test_a_score_change_publishes_only_the_changed_game_in_the_live_api_shape(client, subscriber):
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    first_version, _ = stored_feed()
    [(kind, version, _)] = subscriber.messages()
    assert (kind, version) == ("snapshot", first_version)  # no feed before: the whole document

    poll(set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31), SUNDAY_2022 + timedelta(seconds=4))

    [(kind, version, data)] = subscriber.messages()
    stored_version, document = stored_feed()
    assert kind == "games"
    assert version == stored_version > first_version
    delta = orjson.loads(data)
    assert [game["espn_id"] for game in delta["games"]] == [NO_AT_ATL]
    assert (delta["games"][0]["away"]["score"], delta["games"][0]["home"]["score"]) == (31, 26)
    # The very dict GET /api/games/live/ serves for that game, and the live count beside it.
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=5), tick=False):
        served = orjson.loads(client.get(reverse("api-games-live")).content)
    assert delta["games"][0] == next(g for g in served["games"] if g["espn_id"] == NO_AT_ATL)
    assert delta["live_count"] == served["live_count"] == document["live_count"]


def test_an_unchanged_poll_keeps_the_version_and_publishes_nothing(subscriber):
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    version, _ = stored_feed()
    subscriber.messages()

    poll(payload(NFL_LIVE_DAY), SUNDAY_2022 + timedelta(seconds=4))

    assert subscriber.messages() == []
    assert stored_feed()[0] == version


def test_versions_only_grow_even_when_the_clock_goes_back():
    assert next_version(None, now_epoch=1000.0) == 1_000_000
    assert next_version(1_000_000, now_epoch=1000.5) == 1_000_500
    assert next_version(1_000_500, now_epoch=999.0) == 1_000_501  # a clock set back: still newer


def test_a_game_leaving_the_feed_sends_a_whole_snapshot_instead_of_a_delta():
    document = orjson.loads(orjson.dumps({"day": "2022-09-11", "live_count": 1, "games": [{"id": 1}, {"id": 2}]}))
    before = orjson.dumps(document)
    after = orjson.dumps({**document, "games": [{"id": 1}]})

    change = feed_change(before, 5, after)

    kind, version, data = parse_stream_message(change.message)
    assert (kind, data) == ("snapshot", after)
    assert version == change.version > 5


# --------------------------------------------------------------------------- one client's stream


def fake_hub(queue_size: int = 8) -> streams.Hub:
    """A hub whose subscription is fed by the test (the real one is exercised end to end)."""
    hub = streams.Hub("redis://unused", queue_size)
    hub.listen = lambda: asyncio.sleep(0)  # type: ignore[method-assign]
    hub.subscribed.set()
    return hub


async def snapshot_of_stored_feed() -> tuple[int, bytes, str]:
    version, document = stored_feed()
    return version, orjson.dumps(document), "snapshot"


async def take(stream, count: int) -> list[bytes]:
    chunks = []
    async for chunk in stream:
        chunks.append(chunk)
        if len(chunks) == count:
            break
    return chunks


def client_stream(hub: streams.Hub, last_event_id: int | None, heartbeat: float = 15.0):
    return streams.events(
        hub,
        channel=LIVE_CHANNEL,
        stream="live",
        last_event_id=last_event_id,
        snapshot=snapshot_of_stored_feed,
        heartbeat_seconds=heartbeat,
    )


def test_a_new_client_gets_the_stored_feed_as_a_snapshot_with_its_version():
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    version, document = stored_feed()

    async def scenario():
        stream = client_stream(fake_hub(), None)
        chunks = await take(stream, 2)
        await stream.aclose()
        return chunks

    retry, snapshot = parse_frames(run(scenario()))
    assert retry == {"retry": "2000"}
    assert snapshot["event"] == "snapshot"
    assert snapshot["id"] == str(version)
    assert orjson.loads(snapshot["data"]) == document


def test_resuming_at_the_current_version_resends_nothing_and_continues_with_the_next_change(subscriber):
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    current, document = stored_feed()
    subscriber.messages()
    # The next poll's message, handed to the hub below as its subscription would.
    poll(set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31), SUNDAY_2022 + timedelta(seconds=4))
    [(_, next_version_id, _)] = subscriber.messages()
    hub = fake_hub()

    async def stored_when_the_client_connected():
        return current, orjson.dumps(document), "snapshot"

    async def scenario():
        stream = streams.events(
            hub, channel=LIVE_CHANNEL, stream="live", last_event_id=current,
            snapshot=stored_when_the_client_connected, heartbeat_seconds=15,
        )  # fmt: skip
        chunks = [await anext(stream)]  # retry
        next_chunk = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        hub.on_message(LIVE_CHANNEL, stream_message_of(next_version_id))
        chunks.append(await next_chunk)
        await stream.aclose()
        return chunks

    _, first = parse_frames(run(scenario()))
    assert first["event"] == "games"  # not a snapshot: the client had the current version
    assert int(first["id"]) == next_version_id > current
    assert [g["espn_id"] for g in orjson.loads(first["data"])["games"]] == [NO_AT_ATL]


def stream_message_of(version: int) -> bytes:
    """The message the poll published for `version`, rebuilt from what it stored."""
    stored, document = stored_feed()
    assert stored == version
    games = [g for g in document["games"] if g["espn_id"] == NO_AT_ATL]
    return stream_message("games", version, orjson.dumps({"live_count": document["live_count"], "games": games}))


def test_resuming_from_an_older_version_gets_a_fresh_snapshot_first():
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    older, _ = stored_feed()
    poll(set_score(payload(NFL_LIVE_DAY), NO_AT_ATL, home=26, away=31), SUNDAY_2022 + timedelta(seconds=4))
    current, document = stored_feed()

    async def scenario():
        stream = client_stream(fake_hub(), older)
        chunks = await take(stream, 2)
        await stream.aclose()
        return chunks

    _, snapshot = parse_frames(run(scenario()))
    assert (snapshot["event"], int(snapshot["id"])) == ("snapshot", current)
    assert orjson.loads(snapshot["data"]) == document


def test_an_event_already_in_the_snapshot_is_not_sent_again():
    hub = fake_hub()

    async def scenario():
        async def snapshot():
            return 20, b"{}", "snapshot"

        stream = streams.events(
            hub, channel="c", stream="live", last_event_id=None, snapshot=snapshot, heartbeat_seconds=15
        )
        chunks = await take(stream, 2)
        hub.on_message("c", b"games\n19\n{}")  # older than the snapshot: already in it
        hub.on_message("c", b"games\n21\n{}")
        chunks.append(await anext(stream))
        await stream.aclose()
        return chunks

    ids = [event.get("id") for event in parse_frames(run(scenario()))]
    assert ids == [None, "20", "21"]


def test_a_client_whose_snapshot_was_read_before_the_subscription_was_up_resyncs_once_it_is():
    hub = fake_hub()
    hub.subscribed.clear()  # the process's first client: subscribing is slow
    stored = [20]

    async def scenario():
        async def snapshot():
            return stored[0], b"{}", "snapshot"

        stream = streams.events(
            hub, channel="c", stream="live", last_event_id=None, snapshot=snapshot, heartbeat_seconds=600
        )
        chunks = await take(stream, 2)  # retry, then the snapshot once the wait for the subscription ran out
        stored[0] = 21  # a poll published now reaches nobody: there is no subscription yet
        hub.subscribed.set()
        hub.resync(every_client=False)  # what the hub does once its subscription is up
        chunks.append(await anext(stream))
        await stream.aclose()
        return chunks

    events = parse_frames(run(scenario(), loop_factory=AutoJumpLoop))
    assert [(event.get("event"), event.get("id")) for event in events] == [
        (None, None), ("snapshot", "20"), ("snapshot", "21")
    ]  # fmt: skip


def test_a_snapshot_read_that_started_before_a_poll_is_not_shared_with_clients_who_came_after_it():
    hub = streams.Hub("redis://unused", 8)
    stored = {"version": b"1"}
    first_read_reached_redis, first_read_may_finish = asyncio.Event(), asyncio.Event()

    class SlowReader:
        calls = 0

        async def hmget(self, key, *fields):
            SlowReader.calls += 1
            version = stored["version"]  # what Redis held when the read reached it
            if SlowReader.calls == 1:
                first_read_reached_redis.set()
                await first_read_may_finish.wait()
            return [b"{}", version]

    hub._reader = SlowReader()  # type: ignore[assignment]

    async def scenario():
        before = asyncio.ensure_future(hub.snapshot())
        await first_read_reached_redis.wait()
        stored["version"] = b"2"  # a poll stored a new feed ...
        hub.on_message(LIVE_CHANNEL, b"games\n2\n{}")  # ... and published it
        after = asyncio.ensure_future(hub.snapshot())
        await asyncio.sleep(0)
        first_read_may_finish.set()
        return (await before)[0], (await after)[0], (await hub.snapshot())[0]

    assert run(scenario()) == (1, 2, 2)


def test_a_heartbeat_comment_every_15_seconds_while_nothing_changes():
    hub = fake_hub()

    async def scenario():
        async def nothing_stored():
            return None

        stream = streams.events(
            hub, channel="c", stream="live", last_event_id=None, snapshot=nothing_stored, heartbeat_seconds=15
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        await anext(stream)  # retry
        times = []
        for _ in range(2):
            assert await anext(stream) == streams.HEARTBEAT
            times.append(loop.time() - started)
        hub.on_message("c", b"games\n7\n{}")
        event = await anext(stream)
        times.append(loop.time() - started)
        await stream.aclose()
        return times, event

    times, event = run(scenario(), loop_factory=AutoJumpLoop)
    assert times[0] == pytest.approx(15, abs=0.01)
    assert times[1] == pytest.approx(30, abs=0.01)
    assert times[2] == pytest.approx(30, abs=0.01)  # an event goes out at once, not at the next tick
    assert event.startswith(b"id: 7\nevent: games\n")


def dropped_count() -> float:
    return REGISTRY.get_sample_value("scores_stream_clients_dropped_total", {"stream": "live"}) or 0.0


def test_a_client_that_stops_reading_is_dropped_and_counted_while_the_others_get_every_event():
    hub = fake_hub(queue_size=4)
    before = dropped_count()

    async def scenario():
        async def nothing_stored():
            return None

        async def reader(received: list[bytes]):
            stream = streams.events(
                hub, channel="c", stream="live", last_event_id=None, snapshot=nothing_stored, heartbeat_seconds=15
            )
            async for chunk in stream:
                received.append(chunk)
                if len(received) == 11:
                    return

        stalled = asyncio.Event()

        async def stuck_reader():
            stream = streams.events(
                hub, channel="c", stream="live", last_event_id=None, snapshot=nothing_stored, heartbeat_seconds=15
            )
            try:
                await anext(stream)  # joined; now it stops reading, as a client whose socket is full
                stalled.set()
                await asyncio.Event().wait()
            finally:
                await stream.aclose()

        received: list[bytes] = []
        fast = asyncio.ensure_future(reader(received))
        slow = asyncio.ensure_future(stuck_reader())
        await stalled.wait()
        await asyncio.sleep(0)
        for version in range(1, 11):
            hub.on_message("c", b"games\n%d\n{}" % version)
            while len(received) < version + 1:  # the reader takes each one as it comes; the stuck one never
                await asyncio.sleep(0)
        await asyncio.wait_for(fast, 1)
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(slow, 1)
        return received, hub.clients

    received, clients = run(scenario())
    assert [e.get("id") for e in parse_frames(received)[1:]] == [str(v) for v in range(1, 11)]
    assert dropped_count() == before + 1
    assert clients == {}  # both gone: the dropped one, and the reader that finished


# --------------------------------------------------------------------------- through Django's ASGI handler


@pytest.mark.django_db(transaction=True)
def test_asgi_response_headers_and_a_client_disconnect_frees_its_place_in_the_hub(settings):
    """Django 5.2's ASGI handler cancels the response task on http.disconnect: the stream must leave the hub."""
    from django.core.asgi import get_asgi_application

    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)
    application = get_asgi_application()
    sent: list[dict] = []

    async def scenario():
        hub = streams.hub()
        got_body = asyncio.Event()
        disconnect = asyncio.Event()
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and b"event: snapshot" in message.get("body", b""):
                got_body.set()

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": "/api/games/live/stream/", "raw_path": b"/api/games/live/stream/", "query_string": b"",
            "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
        }  # fmt: skip
        handler = asyncio.ensure_future(application(scope, receive, send))
        await asyncio.wait_for(got_body.wait(), 10)
        clients_while_open = sum(len(members) for members in hub.clients.values())
        disconnect.set()
        await asyncio.wait_for(handler, 10)
        return clients_while_open, sum(len(members) for members in hub.clients.values())

    while_open, after = run(scenario())
    start = sent[0]
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert headers[b"Content-Type"] == b"text/event-stream"
    assert headers[b"Cache-Control"] == b"no-cache"
    assert headers[b"X-Accel-Buffering"] == b"no"
    assert b"Content-Encoding" not in headers  # a browser accepting gzip still gets each event as sent
    assert (while_open, after) == (1, 0)


def test_the_live_stream_reads_no_database(django_assert_num_queries):
    poll(payload(NFL_LIVE_DAY), SUNDAY_2022)

    async def scenario():
        stream = streams.live_events(None)
        chunks = await take(stream, 2)
        await stream.aclose()
        return chunks

    with django_assert_num_queries(0):
        _, snapshot = parse_frames(run(scenario()))
    assert snapshot["event"] == "snapshot"
    assert NE_AT_MIA in snapshot["data"]


def test_only_get(client):
    assert client.post(reverse("api-games-live-stream")).status_code == 405


def test_under_wsgi_the_stream_is_refused_at_once_so_pages_poll(client):
    response = client.get(reverse("api-games-live-stream"))  # the test client is WSGI

    assert response.status_code == 503
    assert "ASGI" in response.json()["detail"]


# --------------------------------------------------------------------------- per-address limits


def stream_request(rf, address: str):
    request = rf.get(reverse("api-games-live-stream"), REMOTE_ADDR=address)
    request.scope = {"type": "http"}  # what the ASGI handler's request has; without it the view answers 503
    return request


def test_an_address_holds_at_most_its_share_of_open_streams_in_a_process(rf, settings):
    settings.STREAM_MAX_PER_ADDRESS, settings.STREAM_CONNECT_RATE = 2, ""
    view = resolve(reverse("api-games-live-stream")).func

    async def scenario():
        first, second = [await view(stream_request(rf, "10.1.1.1")) for _ in range(2)]
        refused = await view(stream_request(rf, "10.1.1.1"))
        elsewhere = await view(stream_request(rf, "10.1.1.2"))
        started = asyncio.Event()

        async def read(response):
            async for _chunk in response:
                started.set()

        reader = asyncio.ensure_future(read(first))
        await asyncio.wait_for(started.wait(), 5)
        reader.cancel()  # its client went away (Django cancels the response's task): the place is free again
        await asyncio.gather(reader, return_exceptions=True)
        again = await view(stream_request(rf, "10.1.1.1"))
        statuses = [r.status_code for r in (first, second, refused, elsewhere, again)]
        held_before_collection = dict(streams.hub().open_by_address)
        del first, second, elsewhere, again
        gc.collect()  # responses never read give their places back when collected
        return statuses, refused, held_before_collection, dict(streams.hub().open_by_address)

    statuses, refused, held, after = run(scenario())

    assert statuses == [200, 200, 429, 200, 200]
    assert orjson.loads(refused.content)["code"] == "throttled" and int(refused["Retry-After"]) == 30
    assert held == {"10.1.1.1": 2, "10.1.1.2": 1}
    assert after == {}


def test_new_streams_per_address_are_rate_limited_across_processes(rf, settings):
    settings.STREAM_MAX_PER_ADDRESS, settings.STREAM_CONNECT_RATE = 0, "3/min"
    cache_redis().delete("scores:ratelimit:stream:ip:10.2.2.1")
    view = resolve(reverse("api-games-live-stream")).func

    async def scenario():
        answers = [await view(stream_request(rf, "10.2.2.1")) for _ in range(4)]
        other = await view(stream_request(rf, "10.2.2.2"))
        return answers, other

    answers, other = run(scenario())

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert "Too many streams" in orjson.loads(answers[-1].content)["detail"]
    assert other.status_code == 200
