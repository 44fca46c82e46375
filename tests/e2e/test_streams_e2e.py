"""Push end to end: the replay, real Celery worker and beat, the web under gunicorn's uvicorn workers,
a Redis of this test's own (so that it can be restarted), and stream clients that behave like
EventSource. A score change reaches a connected client; a restart of Redis and one of the web
process are survived: the client reconnects or resynchronises, and the games it ends with are
exactly the database's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.env import redis_url_for_db
from config.redis_client import cache_redis
from devtools import embedded_redis
from espn.replay import ReplayConfig
from espn.snapshots import Phase
from games import live_feed
from games.models import Game
from tests.sse_client import SseClient

from .conftest import REPO, Process, process_env, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Two recorded NFL games, kicking off a replay minute apart; 120 replay seconds per real second:
# each plays in about 90 s, scores change every few seconds of real time.
GAMES = ("401671784", "401671834")
SPEED = 120.0


@pytest.fixture
def own_redis(settings):
    """A redis-server for this test alone (the test restarts it); settings point at it."""
    port = embedded_redis.free_port()
    process = embedded_redis.start(port)
    url = f"redis://127.0.0.1:{port}"
    settings.REDIS_URL = url
    settings.REDIS_BROKER_URL = redis_url_for_db(url, 0)
    settings.REDIS_CACHE_URL = redis_url_for_db(url, 1)
    settings.CELERY_BROKER_URL = settings.REDIS_BROKER_URL
    cache_redis.cache_clear()
    live_feed.feed_redis.cache_clear()
    live_feed.forget_async_clients()
    holder = {"process": process, "port": port}

    def restart() -> None:
        holder["process"].kill()
        holder["process"].wait(timeout=10)
        holder["process"] = embedded_redis.start(port)  # empty: no persistence, as in production

    holder["restart"] = restart
    yield holder
    holder["process"].kill()
    holder["process"].wait(timeout=10)
    cache_redis.cache_clear()
    live_feed.feed_redis.cache_clear()
    live_feed.forget_async_clients()


def start_web(env: dict[str, str], port: int, log_path) -> Process:
    argv = [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.conf.py", "config.asgi"]
    web_env = {**env, "PORT": str(port), "WEB_HOST": "127.0.0.1", "WEB_CONCURRENCY": "2", "STATIC_MANIFEST": "false"}
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            argv, cwd=REPO, env=web_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process("web", popen, log_path)


def db_games() -> dict[int, tuple]:
    return {
        pk: (phase, home, away)
        for pk, phase, home, away in Game.objects.values_list("pk", "phase", "home_score", "away_score")
    }


def client_games(client: SseClient) -> dict[int, tuple]:
    return {
        pk: (game["status"]["phase"], game["home"]["score"], game["away"]["score"])
        for pk, game in client.snapshot().items()
    }


def test_score_changes_reach_a_stream_client_through_redis_and_web_restarts(own_redis, e2e_system, tmp_path):
    # own_redis first: it outlives the system's teardown, which empties it.
    system = e2e_system(
        ReplayConfig(speed=SPEED, first_kickoff_after=60.0, stagger=60.0, game_ids=GAMES, start=datetime.now(UTC))
    )
    port = embedded_redis.free_port()
    env = process_env(system.replay.url)
    web = start_web(env, port, tmp_path / "web.log")
    system.processes.append(web)
    client = SseClient("127.0.0.1", port, "/api/games/live/stream/").start()
    try:
        system.wait_for("the stream's first snapshot with both games", lambda: len(client.snapshot()) == 2, 60)
        assert client.event_names()[0] == "snapshot"
        assert all(phase == Phase.SCHEDULED for phase, _, _ in client_games(client).values())

        system.replay.kick_off()
        system.wait_for(
            "a score to reach the stream client",
            lambda: any((home or 0) + (away or 0) > 0 for _, home, away in client_games(client).values()),
            90,
        )
        assert "games" in client.event_names()  # a delta, not a reconnect's snapshot

        # Redis restarts empty: the hub resubscribes, the next poll republishes a whole snapshot.
        events_before = len(client.event_names())
        own_redis["restart"]()
        system.wait_for("an event after Redis restarted", lambda: len(client.event_names()) > events_before, 90)

        # The web restarts: the client reconnects with Last-Event-ID and resynchronises.
        connections_before = client.connections
        stop(web)
        system.processes.remove(web)
        web = start_web(env, port, tmp_path / "web.log")
        system.processes.append(web)
        system.wait_for("the client to reconnect to the new web", lambda: client.connections > connections_before, 60)

        system.wait_for(
            "both games final in the database",
            lambda: all(phase == Phase.FINAL for phase, _, _ in db_games().values()),
            system.replay.real_seconds_to_last_final() + 90,
        )
        deadline = time.monotonic() + 30
        while client_games(client) != db_games() and time.monotonic() < deadline:
            time.sleep(0.2)  # a whole-system wait
        assert client_games(client) == db_games(), (client.events[-8:], client.connections)
        time.sleep(2)  # a whole-system settle: later polls must change nothing
        assert client_games(client) == db_games()
    finally:
        client.stop()
