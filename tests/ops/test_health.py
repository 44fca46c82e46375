"""GET /health/: database, Redis, the age of the last successful poll and the ESPN breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
import time_machine
from django.db import OperationalError, connection

from config.redis_keys import BREAKER_KEY
from games.polling import poll_scoreboards
from tests.games.conftest import NFL_LIVE_DAY, SCOREBOARD_URL, fixture_copy

from .conftest import espn_client

pytestmark = pytest.mark.django_db

SUNDAY_2022 = datetime(2022, 9, 11, 20, 0, tzinfo=UTC)  # 16:00 Eastern: NFL week 1, games live


def poll_at(now: datetime):
    with time_machine.travel(now, tick=False):
        return poll_scoreboards(force=True, now=now, client=espn_client())


def health(client, at: datetime, query: str = ""):
    with time_machine.travel(at, tick=False):
        return client.get(f"/health/{query}")


@pytest.fixture
def polled(fake_espn):
    fake_espn.board("football/nfl", "20220911", fixture_copy(NFL_LIVE_DAY))
    result = poll_at(SUNDAY_2022)
    assert result.ok, result.errors
    return fake_espn


def test_healthy_after_a_successful_poll(client, polled, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1, and one Redis round trip: cheap enough for a load balancer
        response = health(client, SUNDAY_2022 + timedelta(seconds=20))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "poll", "espn"}
    assert body["checks"]["poll"]["age_seconds"] == 20.0
    assert body["checks"]["poll"]["max_age_seconds"] == 2 * 4 + 60  # live cadence: twice 4 s plus a minute
    assert body["checks"]["espn"]["breaker"] == "closed"
    assert response["Cache-Control"] == "no-store"


def test_a_late_poll_fails_the_poll_check_only(client, polled):
    response = health(client, SUNDAY_2022 + timedelta(seconds=69))

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["failed"]) == ("degraded", ["poll"])
    assert "69s ago (limit 68s)" in body["checks"]["poll"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_a_poll_with_errors_does_not_count_as_successful(client, polled):
    polled.board("football/nfl", "20220911", (500, {}, "oops"))
    assert poll_at(SUNDAY_2022 + timedelta(seconds=60)).errors

    response = health(client, SUNDAY_2022 + timedelta(seconds=90))

    assert response.status_code == 503
    assert response.json()["checks"]["poll"]["last_success_at"] == SUNDAY_2022.isoformat()


def test_no_poll_ever_is_degraded(client):
    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["failed"] == ["poll"]
    assert response.json()["checks"]["poll"]["error"] == "no successful poll recorded"


def test_open_breaker_fails_the_espn_check(client, polled, redis_client):
    redis_client.hset(BREAKER_KEY, mapping={"state": "open", "fail_counter": 5})

    response = health(client, SUNDAY_2022 + timedelta(seconds=5))

    assert response.status_code == 503
    assert response.json()["failed"] == ["espn"]
    assert response.json()["checks"]["espn"]["breaker"] == "open"


def test_database_down_fails_the_database_check(client, polled):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        response = health(client, SUNDAY_2022 + timedelta(seconds=5))

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert "Connection refused" in body["checks"]["database"]["error"]


def test_redis_down_fails_redis_and_leaves_poll_and_breaker_unknown(client, redis_down):
    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis", "poll", "espn"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["poll"]["error"] == "unknown: Redis is unavailable"


def test_load_balancer_can_ask_for_database_and_redis_only(client):
    response = client.get("/health/?checks=database,redis")  # no poll ever: still in rotation

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis"}


@pytest.mark.parametrize("query", ["?checks=", "?checks=disk", "?checks=database,<script>"])
def test_unknown_checks_are_a_clear_400(client, query):
    response = client.get(f"/health/{query}")

    assert response.status_code == 400
    assert "use a comma-separated list of database, redis, poll, espn" in response.json()["error"]


def test_only_get(client):
    assert client.post("/health/").status_code == 405


def test_offseason_allows_an_hour_between_polls(client, fake_espn):
    quiet_day = datetime(2022, 3, 1, 17, 0, tzinfo=UTC)  # no games at all: offseason cadence
    assert poll_at(quiet_day).ok

    assert health(client, quiet_day + timedelta(minutes=50)).status_code == 200
    assert health(client, quiet_day + timedelta(hours=2, minutes=2)).status_code == 503


# --------------------------------------------------------------------------- one rule, everywhere


def verdicts(staff_client, at: datetime) -> dict[str, bool | None]:
    """Is the poller healthy, according to /health/, /api/status/, the admin's panel and /metrics."""
    with time_machine.travel(at, tick=False):
        health_ok = staff_client.get("/health/?checks=poll,espn").status_code == 200
        status = staff_client.get("/api/status/").json()["healthy"]
        panel = staff_client.get("/admin/games/game/").content.decode()
        metrics = staff_client.get("/metrics").content.decode().splitlines()
    admin = {
        '<p id="poller-health"><strong>Healthy</strong>': True,
        '<p id="poller-health"><strong>Unhealthy</strong>': False,
    }
    gauges = [line.split()[1] for line in metrics if line.startswith("scores_poller_healthy ")]
    return {
        "health": health_ok,
        "status": status,
        "admin": next((verdict for marker, verdict in admin.items() if marker in panel), None),
        "metrics": float(gauges[0]) == 1 if gauges else None,
    }


def test_every_view_says_healthy_up_to_the_one_poll_age_limit_and_unhealthy_past_it(staff_client, polled, settings):
    # Was: /health/ 200 (limit 2 x interval + 60 s) but /api/status/ unhealthy (3 x interval + 30 s).
    limit = 2 * settings.POLL_LIVE_SECONDS + 60  # 68 s at the 4 s live interval
    assert verdicts(staff_client, SUNDAY_2022 + timedelta(seconds=limit - 2)) == dict.fromkeys(
        ("health", "status", "admin", "metrics"), True
    )
    assert verdicts(staff_client, SUNDAY_2022 + timedelta(seconds=limit + 1)) == dict.fromkeys(
        ("health", "status", "admin", "metrics"), False
    )


def test_a_fresh_deploy_whose_first_poll_failed_is_unhealthy_everywhere(staff_client, espn_settings):
    # Was: /health/ 503 (no successful poll) but /api/status/ healthy (a poll ran, the breaker closed).
    with responses.RequestsMock(assert_all_requests_are_fired=False) as no_network:
        no_network.add(responses.GET, SCOREBOARD_URL, body=requests.ConnectionError("Network is unreachable"))
        assert poll_at(SUNDAY_2022).errors

    assert verdicts(staff_client, SUNDAY_2022 + timedelta(seconds=5)) == dict.fromkeys(
        ("health", "status", "admin", "metrics"), False
    )
