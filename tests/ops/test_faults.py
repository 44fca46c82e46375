"""Faults the poller survives: Redis restarting, the database failing mid-poll, two pollers at once,
a worker killed mid-poll, and ESPN slow, rate limiting or failing for ten minutes.

Real Redis servers and processes where the fault is about them; `responses` and time_machine for ESPN.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import requests
import responses
import time_machine
from django.db import OperationalError, connection

from config.redis_keys import BREAKER_KEY, LIVE_FEED_KEY, NEXT_POLL_KEY, POLL_LOCK_KEY
from espn.breaker import read_breaker
from espn.parsing import parse_scoreboard
from games import live_state, polling
from games.ingest import ingest_snapshots
from games.models import Game, Season, Team
from games.polling import poll_scoreboards
from picks.models import GameGrading, Pick, PickResult
from picks.tasks import grade_games as grade_games_task
from tests.celery_queue import run_queued_grading, take_queued
from tests.concurrently import run_at_once
from tests.games.conftest import (
    CFB_LIVE_DAY,
    NFL_LIVE_DAY,
    SCOREBOARD_URL,
    fixture_copy,
    set_final,
    set_score,
)
from tests.picks.factories import entry_of, make_league, make_user

from .conftest import espn_client, metric

REPO = Path(__file__).resolve().parents[2]
SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)  # 16:00 Eastern, NFL week 1: 8 games live
NO_AT_ATL = "401437650"  # live: NO 24 ATL 26 in the recording
NFL_GAMES = 16
CFB_GAMES = 25


def poll_at(now: datetime, client=None, *, force: bool = True):
    with time_machine.travel(now, tick=False):
        return poll_scoreboards(force=force, now=now, client=client or espn_client())


def score_of(espn_id: str) -> tuple[int, int]:
    game = Game.objects.get(espn_id=espn_id)
    return game.away_score, game.home_score


# --------------------------------------------------------------------------- Redis restarts


@pytest.mark.django_db
def test_redis_restart_during_a_poll(throwaway_redis, fake_espn, client):
    """The poll fails cleanly, pages serve the database marked stale, the next poll catches up."""
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    assert poll_at(SUNDAY_2022).ok

    # Redis crashes while the poll is asking ESPN: the new score reaches the database, then publishing fails.
    set_score(board, NO_AT_ATL, home=26, away=31)
    crashing = espn_client()
    real_scoreboard = crashing.scoreboard

    def crash_then_fetch(feed, day):
        if throwaway_redis.process is not None:
            throwaway_redis.stop()
        return real_scoreboard(feed, day)

    crashing.scoreboard = crash_then_fetch
    failed_before = metric("scores_poll_runs_total", outcome="failed")
    with pytest.raises(redis.ConnectionError):
        poll_at(SUNDAY_2022 + timedelta(seconds=10), crashing)
    assert metric("scores_poll_runs_total", outcome="failed") == failed_before + 1
    assert score_of(NO_AT_ATL) == (31, 26)  # the database, the truth, has it
    assert Game.objects.count() == NFL_GAMES

    # While Redis is down: the pages serve from the database, marked stale; health says what is wrong.
    page = client.get("/live/")
    assert page.status_code == 200
    assert b'id="stale-note"' in page.content
    live = client.get("/api/games/live/")
    assert live.status_code == 200
    assert "Redis unavailable" in live["X-Scores-Stale"]
    game = next(g for g in live.json()["games"] if g["espn_id"] == NO_AT_ATL)
    assert (game["away"]["score"], game["home"]["score"]) == (31, 26)
    assert client.get("/api/games/?league=football/nfl").status_code == 200  # throttles let it through
    assert client.get(f"/api/games/{Game.objects.get(espn_id=NO_AT_ATL).pk}/").status_code == 200
    health = client.get("/health/")
    assert (health.status_code, health.json()["failed"][0]) == (503, "redis")
    assert client.get("/api/status/").status_code == 503
    with pytest.raises(redis.ConnectionError):  # a poll cannot start (no lock without Redis): it writes nothing
        poll_at(SUNDAY_2022 + timedelta(seconds=20), force=False)

    # Redis is back, empty. ESPN moved on meanwhile; the next due poll catches up on everything.
    throwaway_redis.start()
    set_score(board, NO_AT_ATL, home=26, away=34)
    result = poll_at(SUNDAY_2022 + timedelta(seconds=30), force=False)

    assert result.ok and not result.skipped
    assert score_of(NO_AT_ATL) == (34, 26)
    assert Game.objects.count() == NFL_GAMES
    rebuilt = redis.Redis.from_url(throwaway_redis.url)
    rebuilt_feed = json.loads(rebuilt.hget(LIVE_FEED_KEY, "body"))  # the poll rebuilt it, before any request
    rebuilt_game = next(g for g in rebuilt_feed["games"] if g["espn_id"] == NO_AT_ATL)
    assert rebuilt_game["away"]["score"] == 34
    live = client.get("/api/games/live/")
    assert "X-Scores-Stale" not in live
    game = next(g for g in live.json()["games"] if g["espn_id"] == NO_AT_ATL)
    assert game["away"]["score"] == 34
    assert b'id="stale-note"' not in client.get("/live/").content
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=35), tick=False):
        assert client.get("/health/").status_code == 200


# --------------------------------------------------------------------------- a worker through a Redis restart


def wait_for_line(log: Path, text: str, *, process: subprocess.Popen, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text().count(text) < count:
        assert process.poll() is None, f"the worker exited ({process.returncode}):\n{log.read_text()}"
        assert time.monotonic() < deadline, f"never logged {text!r} ({count}x):\n{log.read_text()}"
        time.sleep(0.1)


RESTARTS = 5


def hold_a_countdown_task(port: int) -> None:
    """Send a task due in 10 minutes and wait until a worker holds it (received, not acknowledged)."""
    from celery import Celery

    producer = Celery("producer", broker=f"redis://127.0.0.1:{port}/0")
    try:
        producer.send_task("games.tasks.poll_espn_scores", countdown=600)
    finally:
        producer.close()
    with redis.Redis(port=port) as broker:
        deadline = time.monotonic() + 30
        while not broker.hlen("unacked"):  # kombu's record of the messages a worker holds unacknowledged
            assert time.monotonic() < deadline, "the worker never took the task"
            time.sleep(0.1)


def test_a_worker_holding_a_task_survives_redis_restarts(tmp_path):
    """The worker holds a countdown task (received, not acknowledged) each time Redis restarts: it reconnects.

    Whether kombu 5.7 alone survives depends on which of the worker's connections (its BRPOP, its
    pub/sub) it finds closed first: it dies in most restarts, so five restarts in a row catch it."""
    from .conftest import RedisServer

    server = RedisServer()
    server.start()
    log = tmp_path / "worker.log"
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{server.port}", "PYTHONPATH": str(REPO)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("w") as out:
        worker = subprocess.Popen(  # the Procfile's worker
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2",
             "--without-gossip", "--without-mingle"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_line(log, " ready.", process=worker)
        for restart in range(RESTARTS + 1):
            hold_a_countdown_task(server.port)  # after a restart: the worker consumes again
            if restart == RESTARTS:
                break
            server.stop()
            wait_for_line(log, "Connection to broker lost", process=worker, count=restart + 1)
            server.start()
            wait_for_line(log, "Connected to", process=worker, count=restart + 2)
        assert worker.poll() is None
        assert "Unrecoverable error" not in log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        server.stop()


# --------------------------------------------------------------------------- the database fails mid-poll


def refuse_game_writes(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith("INSERT") and '"games_game"' in sql:
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_database_failing_mid_poll_leaves_nothing_half_written(fake_espn, redis_client, settings):
    settings.POLL_LIVE_SECONDS = 10  # a poll gate that outlives this test's real seconds
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    assert poll_at(SUNDAY_2022).ok
    run_queued_grading()  # the games already final at the first poll
    game = Game.objects.get(espn_id=NO_AT_ATL)
    league = make_league(season_year=2022)
    for name, side in (("ann", game.away_team), ("bob", game.home_team)):
        Pick.objects.create(
            entry=entry_of(league, make_user(name)), game=game, team=side, season_type=2, week=1,
            created_at=SUNDAY_2022, updated_at=SUNDAY_2022,
        )  # fmt: skip
    feed_before = redis_client.hget(LIVE_FEED_KEY, "body")
    gate_before = redis_client.get(NEXT_POLL_KEY)

    # ESPN: NO wins, and college football appears (new teams, a new season). The game rows' write fails.
    set_score(board, NO_AT_ATL, home=26, away=27)
    set_final(board, NO_AT_ATL)
    fake_espn.board("football/college-football", "20220911", fixture_copy(CFB_LIVE_DAY))
    with connection.execute_wrapper(refuse_game_writes), pytest.raises(OperationalError):
        poll_at(SUNDAY_2022 + timedelta(seconds=10))

    assert not Team.objects.filter(espn_league="football/college-football").exists()  # rolled back with the games
    assert not Season.objects.filter(espn_league="football/college-football").exists()
    assert Game.objects.count() == NFL_GAMES
    assert Game.objects.get(espn_id=NO_AT_ATL).phase == "live"
    assert not GameGrading.objects.filter(game=game).exists()  # nothing announced: grading is queued on commit only
    assert run_queued_grading() == []
    assert redis_client.hget(LIVE_FEED_KEY, "body") == feed_before
    assert not redis_client.exists(POLL_LOCK_KEY)
    assert redis_client.get(NEXT_POLL_KEY) == gate_before  # not pushed back: the next tick polls

    result = poll_at(SUNDAY_2022 + timedelta(seconds=15))

    assert result.ok
    assert Game.objects.count() == NFL_GAMES + CFB_GAMES
    assert Game.objects.get(espn_id=NO_AT_ATL).is_final and score_of(NO_AT_ATL) == (27, 26)
    [graded_by_worker] = run_queued_grading()  # one task for the poll's finals (a college game ends too)
    assert game.pk in graded_by_worker
    assert GameGrading.objects.get(game__espn_id=NO_AT_ATL).times_graded == 1
    assert dict(Pick.objects.values_list("entry__user__username", "result")) == {
        "ann": PickResult.WIN,
        "bob": PickResult.LOSS,
    }


@pytest.mark.django_db(transaction=True)
def test_database_down_for_a_whole_poll_writes_nothing(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))

    def refuse_everything(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse_everything), pytest.raises(OperationalError):
        poll_at(SUNDAY_2022)

    assert Game.objects.count() == 0
    assert not redis_client.exists(POLL_LOCK_KEY)
    assert poll_at(SUNDAY_2022 + timedelta(seconds=5)).ok
    assert Game.objects.count() == NFL_GAMES


# --------------------------------------------------------------------------- two pollers at once


@pytest.mark.django_db(transaction=True)
def test_two_beats_sending_the_same_tick_poll_once(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    first_is_fetching, second_done = threading.Event(), threading.Event()
    slow = espn_client()
    real_scoreboard = slow.scoreboard

    def hold_the_lock(feed, day):
        first_is_fetching.set()
        second_done.wait(timeout=10)
        return real_scoreboard(feed, day)

    slow.scoreboard = hold_the_lock
    results = {}

    def first():
        try:
            results["first"] = poll_at(SUNDAY_2022, slow, force=False)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_is_fetching.wait(timeout=10)
    results["second"] = poll_at(SUNDAY_2022, force=False)  # the duplicate message of a second beat
    second_done.set()
    thread.join(timeout=30)

    assert results["second"].skipped == "another poll is running"
    assert results["first"].ok and len(results["first"].ingest.created) == NFL_GAMES
    assert Game.objects.count() == NFL_GAMES
    assert poll_at(SUNDAY_2022, force=False).skipped == "not due yet"  # and a late duplicate finds the gate shut


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: run with DATABASE_URL=postgres://...")
def test_two_workers_ingesting_the_same_final_at_once_write_one_row_and_grade_once(fake_espn):
    """Even past the lock (say it expired under a very slow poll): unique rows, exactly-once grading."""
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    assert poll_at(SUNDAY_2022).ok
    take_queued("picks.tasks.grade_games")  # the games already final at the first poll
    game = Game.objects.get(espn_id=NO_AT_ATL)
    league = make_league(season_year=2022)
    for i in range(20):
        Pick.objects.create(
            entry=entry_of(league, make_user(f"m{i}")), game=game, team=game.home_team if i % 2 else game.away_team,
            season_type=2, week=1, created_at=SUNDAY_2022, updated_at=SUNDAY_2022,
        )  # fmt: skip
    set_final(board, NO_AT_ATL)
    snapshots = list(parse_scoreboard(board, "football/nfl").games)
    run_at_once([lambda: ingest_snapshots(snapshots, now=SUNDAY_2022 + timedelta(minutes=1))] * 4)

    assert Game.objects.count() == NFL_GAMES
    assert Game.objects.filter(espn_id=NO_AT_ATL).count() == 1

    # Workers take the queued gradings, each one twice (as if redelivered), all at once.
    queued = [args[0] for args, _ in take_queued("picks.tasks.grade_games")]
    assert queued and all(ids == [game.pk] for ids in queued), queued
    run_at_once([lambda ids=ids: grade_games_task(ids) for ids in queued * 2])

    grading = GameGrading.objects.get(game=game)
    assert (grading.times_graded, grading.picks_graded) == (1, 20)
    assert Pick.objects.filter(game=game, result=PickResult.WIN).count() == 10


# --------------------------------------------------------------------------- a worker killed mid-poll

KILLED_WORKER = """
import time
import django
django.setup()
from games import polling
polling.POLL_LOCK_TTL, polling.POLL_LOCK_RENEW_SECONDS = 2, 0.5  # production's 6 s and 2 s, scaled down


def stuck(*args, **kwargs):
    print("polling", flush=True)
    time.sleep(600)


polling.run_poll = stuck
polling.poll_scoreboards(force=True)
"""
KILLED_LOCK_TTL = 2


@pytest.mark.django_db
def test_a_long_poll_keeps_its_lock_and_a_killed_one_frees_it_within_its_short_ttl(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
    )
    try:
        assert worker.stdout.readline().strip() == b"polling"
        # Alive, its poll outlasts the lock's TTL more than twice over: the lock stays, no second poll starts.
        held_until = time.monotonic() + 2.5 * KILLED_LOCK_TTL
        while time.monotonic() < held_until:
            assert poll_at(SUNDAY_2022).skipped == "another poll is running"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)  # no finally blocks, no release: the lock stays behind
        worker.wait(timeout=10)
    killed_at = time.monotonic()

    assert redis_client.exists(POLL_LOCK_KEY)
    assert poll_at(SUNDAY_2022).skipped == "another poll is running"
    while redis_client.exists(POLL_LOCK_KEY):  # Redis expires it in real time, unrenewed
        assert time.monotonic() < killed_at + KILLED_LOCK_TTL + 1, "the dead worker's lock outlived its TTL"
        time.sleep(0.05)
    result = poll_at(SUNDAY_2022)

    assert result.ok and len(result.ingest.created) == NFL_GAMES


# --------------------------------------------------------------------------- ESPN slow, rate limiting, failing


class SilentServer:
    """Accepts connections and never answers: ESPN slower than our read timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.mark.django_db
def test_espn_slower_than_the_read_timeout_opens_the_breaker(espn_settings, redis_client, client):
    espn_settings.ESPN_LEAGUES = ["football/nfl"]
    server = SilentServer()
    slow_espn = espn_client(base_url=f"http://127.0.0.1:{server.port}", read_timeout=0.2, max_retries=0)
    timeouts_before = metric("scores_espn_request_errors_total", endpoint="scoreboard", kind="timeout")
    try:
        results = [poll_at(SUNDAY_2022 + timedelta(seconds=10 * i), slow_espn) for i in range(6)]
    finally:
        server.close()

    assert all("ESPN timed out (ReadTimeout)" in r.errors[0] for r in results[:5])
    assert "circuit breaker is open" in results[5].errors[0]
    assert len(server.accepted) == 5  # the sixth poll did not call ESPN at all
    assert metric("scores_espn_request_errors_total", endpoint="scoreboard", kind="timeout") == timeouts_before + 5
    assert results[5].league_outcomes == {"football/nfl": "breaker_open"}
    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "open"
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=60), tick=False):
        assert "ESPN circuit breaker open" in client.get("/api/status/").json()["problems"]
        assert "espn" in client.get("/health/").json()["failed"]


@pytest.mark.django_db
def test_a_long_retry_after_pushes_the_next_poll_back(fake_espn, redis_client, client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    assert poll_at(SUNDAY_2022).ok
    fake_espn.board("football/nfl", "20220911", (429, {"Retry-After": "120"}, ""))
    before = metric("scores_polls_total", league="football/nfl", outcome="rate_limited")

    result = poll_at(SUNDAY_2022 + timedelta(seconds=10))

    assert "wait 120s" in result.errors[0]
    assert metric("scores_polls_total", league="football/nfl", outcome="rate_limited") == before + 1
    assert result.state.next_poll_at == SUNDAY_2022 + timedelta(seconds=130)
    assert redis_client.pttl(NEXT_POLL_KEY) > 110_000  # beat's ticks find the gate shut meanwhile
    assert not live_state.poll_is_due(redis_client)
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=20), tick=False):
        status = client.get("/api/status/").json()
    assert "wait 120s" in status["last_poll"]["errors"][0]


@pytest.mark.django_db
def test_a_short_retry_after_is_slept_and_retried(espn_settings, redis_client):
    espn_settings.ESPN_LEAGUES = ["football/nfl"]
    slept = []
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, SCOREBOARD_URL, status=429, headers={"Retry-After": "2"})
        rsps.add(responses.GET, SCOREBOARD_URL, json=fixture_copy(NFL_LIVE_DAY))
        result = poll_at(SUNDAY_2022, espn_client(sleep=slept.append))

    assert result.ok
    assert slept == [2.0]
    assert Game.objects.count() == NFL_GAMES


@pytest.mark.django_db
def test_ten_minutes_of_espn_500s_open_the_breaker_and_polling_resumes_by_itself(
    fake_espn, redis_client, client, settings
):
    """Beat's polls every 10 s; ESPN answers 500 for ten minutes, then recovers. Nobody touches the breaker."""
    settings.ESPN_LEAGUES = ["football/nfl"]
    fake_espn.board("football/nfl", "20220911", (500, {}, "Internal Server Error"))
    espn = espn_client()  # 3 attempts a poll, breaker: 5 failures, 300 s
    requests_at = []
    results = {}
    for second in range(0, 700, 10):
        at = SUNDAY_2022 + timedelta(seconds=second)
        if second == 600:
            fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
        results[second] = poll_at(at, espn)
        requests_at.append((second, len(fake_espn.requests)))
        if second == 120:
            with time_machine.travel(at, tick=False):
                status = client.get("/api/status/").json()
                health = client.get("/health/")
            assert "ESPN circuit breaker open" in status["problems"]
            assert health.status_code == 503 and {"espn", "poll"} <= set(health.json()["failed"])
            assert read_breaker(redis_client, BREAKER_KEY)["state"] == "open"

    calls = dict(requests_at)
    assert calls[40] == 15  # five polls of three attempts each, then the breaker opens at 40 s...
    assert calls[330] == 15  # ...and ESPN is left alone for its reset timeout (300 s)
    assert calls[340] == 18  # a half-open probe at 340 s fails: open again
    assert calls[630] == 18
    assert all(not results[s].ok for s in range(0, 640, 10))
    assert results[60].league_outcomes == {"football/nfl": "breaker_open"}

    resumed = results[640]  # the first probe after ESPN recovered (600 s) succeeds: closed, polling goes on
    assert resumed.ok and len(resumed.ingest.created) == NFL_GAMES
    assert all(results[s].ok for s in range(650, 700, 10))
    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "closed"
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=675), tick=False):
        assert client.get("/health/").status_code == 200
        assert client.get("/api/status/").json()["healthy"] is True


@pytest.mark.django_db
def test_a_failed_first_poll_retries_after_a_short_backoff_not_the_offseason_hour(espn_settings, redis_client):
    """A fresh deploy, ESPN unreachable: the empty database says "offseason" (3600 s); the poller backs off
    30 s, doubling to 5 minutes, and goes back to the regime's interval after a poll without errors."""
    espn = espn_client()
    waits = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as no_network:
        no_network.add(responses.GET, SCOREBOARD_URL, body=requests.ConnectionError("Network is unreachable"))
        for attempt in range(7):
            at = SUNDAY_2022 + timedelta(minutes=10 * attempt)
            result = poll_at(at, espn)
            assert result.errors and Game.objects.count() == 0
            waits.append(result.state.interval_seconds)
            assert 0 < redis_client.pttl(NEXT_POLL_KEY) <= result.state.interval_seconds * 1000
            with time_machine.travel(at, tick=False):  # beat's interval adjustment keeps the backoff
                assert polling.refresh_live_state(now=at).interval_seconds == result.state.interval_seconds

    assert waits == [30, 60, 120, 240, 300, 300, 300]
    assert result.state.regime == "offseason" and "the last poll failed, retrying in 300s" in result.state.reason

    # ESPN is back (the breaker's reset timeout has passed): the regime's interval; a new failure waits 30 s.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as espn_back:
        espn_back.add(responses.GET, SCOREBOARD_URL, json={"events": []})
        assert poll_at(SUNDAY_2022 + timedelta(hours=2), espn).state.interval_seconds == 3600
    with responses.RequestsMock(assert_all_requests_are_fired=False) as no_network:
        no_network.add(responses.GET, SCOREBOARD_URL, body=requests.ConnectionError("Network is unreachable"))
        assert poll_at(SUNDAY_2022 + timedelta(hours=3), espn).state.interval_seconds == 30
