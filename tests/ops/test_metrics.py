"""GET /metrics: what polls, ESPN, grading and the web did, and the shared state read from Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from config.redis_keys import BREAKER_KEY
from devtools import embedded_redis
from games.models import Game
from games.polling import poll_scoreboards
from ops import metrics
from picks.grading import grade_game
from tests.games.conftest import NFL_LIVE_DAY, fixture_copy, set_final
from tests.picks.factories import entry_of, make_game, make_league, make_pick, make_user, set_result

from .conftest import espn_client, metric

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)
NO_AT_ATL = "401437650"  # live in the recording


def samples(body: bytes) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def poll_at(now: datetime, **client_options):
    with time_machine.travel(now, tick=False):
        return poll_scoreboards(force=True, now=now, client=espn_client(**client_options))


def test_a_poll_counts_by_league_and_outcome_and_times_espn(fake_espn):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    fake_espn.board("football/college-football", "20220911", (500, {}, "down"))
    before = {
        "nfl_ok": metric("scores_polls_total", league="football/nfl", outcome="ok"),
        "cfb_error": metric("scores_polls_total", league="football/college-football", outcome="error"),
        "runs": metric("scores_poll_runs_total", outcome="errors"),
        "timed": metric("scores_espn_request_duration_seconds_count", endpoint="scoreboard"),
        "http_500": metric("scores_espn_request_errors_total", endpoint="scoreboard", kind="http_500"),
    }

    poll_at(SUNDAY_2022, max_retries=1)

    assert metric("scores_polls_total", league="football/nfl", outcome="ok") == before["nfl_ok"] + 1
    assert metric("scores_polls_total", league="football/college-football", outcome="error") == before["cfb_error"] + 1
    assert metric("scores_poll_runs_total", outcome="errors") == before["runs"] + 1
    assert metric("scores_espn_request_duration_seconds_count", endpoint="scoreboard") == before["timed"] + 3
    assert metric("scores_espn_request_errors_total", endpoint="scoreboard", kind="http_500") == before["http_500"] + 2


def test_games_gone_final_are_counted_by_league(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(SUNDAY_2022)
    before = metric("scores_games_final_total", league="football/nfl")

    set_final(board, NO_AT_ATL)
    poll_at(SUNDAY_2022 + timedelta(minutes=1))

    assert metric("scores_games_final_total", league="football/nfl") == before + 1
    assert Game.objects.get(espn_id=NO_AT_ATL).is_final


def test_skipped_polls_are_counted(fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll_at(SUNDAY_2022)
    before = metric("scores_poll_runs_total", outcome="skipped_not_due")

    with time_machine.travel(SUNDAY_2022, tick=False):
        assert poll_scoreboards(now=SUNDAY_2022).skipped == "not due yet"

    assert metric("scores_poll_runs_total", outcome="skipped_not_due") == before + 1


def test_picks_graded_are_counted():
    league = make_league()
    game = make_game(kickoff=datetime(2025, 9, 7, 17, 0, tzinfo=UTC))
    for name in ("ann", "bob", "cat"):
        make_pick(entry_of(league, make_user(name)), game, "home")
    set_result(game, home_score=21, away_score=14)
    before = metric("scores_picks_graded_total", outcome="final")

    grade_game(game.pk)
    grade_game(game.pk)  # already graded on this result: nothing more

    assert metric("scores_picks_graded_total", outcome="final") == before + 3


def test_request_latency_is_labelled_by_url_name_never_by_raw_path(client):
    before = metric("scores_http_request_duration_seconds_count", endpoint="game-detail", method="GET")

    assert client.get("/games/987654/").status_code == 404
    assert client.get("/games/123456/").status_code == 404
    client.get("/no/such/page/")

    assert metric("scores_http_request_duration_seconds_count", endpoint="game-detail", method="GET") == before + 2
    assert metric("scores_http_requests_total", endpoint="game-detail", method="GET", status="404") >= 2
    assert metric("scores_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 1
    body = client.get("/metrics").content.decode()
    assert "987654" not in body and "/no/such/page" not in body


def test_metrics_page_reports_breaker_interval_and_live_games_from_redis(client, fake_espn, redis_client):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    poll_at(SUNDAY_2022)
    redis_client.hset(BREAKER_KEY, mapping={"state": "open", "fail_counter": 5, "opened_at": 1662926400})

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")  # the Prometheus text format
    found = samples(response.content)
    assert found[("scores_redis_up", ())] == 1
    assert found[("scores_espn_breaker_state", (("state", "open"),))] == 1
    assert found[("scores_espn_breaker_state", (("state", "closed"),))] == 0
    assert found[("scores_espn_breaker_consecutive_failures", ())] == 5
    assert found[("scores_poll_interval_seconds", ())] == 4
    assert found[("scores_live_games", ())] == 8
    assert found[("scores_poll_regime", (("regime", "live"),))] == 1
    assert found[("scores_last_successful_poll_timestamp_seconds", ())] == SUNDAY_2022.timestamp()
    assert ("scores_polls_total", (("league", "football/nfl"), ("outcome", "ok"))) in found


def test_metrics_page_answers_with_redis_down(client, redis_down):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert samples(response.content)[("scores_redis_up", ())] == 0


def test_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "a-long-random-scrape-token"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-random-scrape-token").status_code == 200


def test_celery_pool_process_exit_marks_it_dead(monkeypatch, tmp_path):
    from celery import signals

    marked = []
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(metrics.multiprocess, "mark_process_dead", lambda pid, path: marked.append((pid, path)))

    signals.worker_process_shutdown.send(sender=None, pid=4242, exitcode=0)

    assert marked == [(4242, str(tmp_path))]


# --------------------------------------------------------------------------- real processes

WORKER = """
import os, sys
import django
django.setup()
from games import metrics as games_metrics
from ops import metrics
from picks import metrics as picks_metrics
picks_metrics.PICKS_GRADED.labels("final").inc(3)
games_metrics.observe_espn_request("scoreboard", "ok", 0.2)
metrics.start_worker_metrics_server(int(sys.argv[1]))
print("ready", flush=True)
sys.stdin.read()
"""


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} never answered") from None
            time.sleep(0.1)  # waiting on a real process to come up


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@pytest.mark.django_db(transaction=False)
def test_gunicorn_workers_and_a_celery_worker_report_through_one_metrics_page(tmp_path):
    """Multiprocess mode: two gunicorn workers and a worker process write to one directory, /metrics adds up."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    web_port, worker_port = embedded_redis.free_port(), embedded_redis.free_port()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(worker_port)],
        env=env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.asgi"],
        env={**env, "PORT": str(web_port), "WEB_CONCURRENCY": "2"},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert worker.stdout.readline().strip() == b"ready"
        base = f"http://127.0.0.1:{web_port}"
        wait_for(f"{base}/health/?checks=redis", web)
        for _ in range(10):
            fetch(f"{base}/health/?checks=redis")

        found = samples(fetch(f"{base}/metrics"))
        from_worker = samples(fetch(f"http://127.0.0.1:{worker_port}/metrics"))
    finally:
        web.terminate()
        worker.stdin.close()
        worker.terminate()
        web.wait(timeout=30)
        worker.wait(timeout=30)

    health_requests = ("scores_http_requests_total", (("endpoint", "health"), ("method", "GET"), ("status", "200")))
    assert found[health_requests] >= 11  # every request, whichever gunicorn worker answered it
    assert found[("scores_picks_graded_total", (("outcome", "final"),))] == 3  # from the other process
    assert found[("scores_espn_request_duration_seconds_count", (("endpoint", "scoreboard"),))] == 1
    assert from_worker[("scores_picks_graded_total", (("outcome", "final"),))] == 3
    assert len(list(tmp_path.glob("counter_*.db"))) >= 2
