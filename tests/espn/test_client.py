"""The ESPN client: retries and their limits, Retry-After, the shared breaker, bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
import responses
import time_machine
from responses import registries

from config.redis_keys import BREAKER_KEY, ESPN_KEYS
from espn.breaker import read_breaker
from espn.client import (
    EspnBadPayload,
    EspnClient,
    EspnHttpError,
    EspnRateLimited,
    EspnUnavailable,
    LeagueFeed,
)
from tests.espn_fixtures import fixture_bytes

BASE = "https://espn.test"
NFL = LeagueFeed.parse("football/nfl")
CFB = LeagueFeed.parse("football/college-football?groups=80")
NFL_URL = f"{BASE}/apis/site/v2/sports/football/nfl/scoreboard"
DAY = date(2024, 12, 15)
FINAL_DAY = fixture_bytes("nfl/scoreboard-20241215-wk15-sunday-final.json")


def make_client(redis_client=None, sleeps=None, **kwargs) -> EspnClient:
    return EspnClient(
        base_url=BASE,
        user_agent="scores-test/1.0 (+https://example.org)",
        redis_client=redis_client,
        redis_keys=ESPN_KEYS,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
        **kwargs,
    )


def ok(body: bytes = FINAL_DAY) -> responses.Response:
    return responses.Response(responses.GET, NFL_URL, body=body, content_type="application/json")


def status(code: int, headers: dict | None = None) -> responses.Response:
    return responses.Response(responses.GET, NFL_URL, body="error", status=code, headers=headers or {})


@responses.activate(registry=registries.OrderedRegistry)
def test_it_retries_5xx_with_growing_jittered_backoff_then_succeeds():
    for response in (status(500), status(502), ok()):
        responses.add(response)
    sleeps: list[float] = []

    board = make_client(sleeps=sleeps, max_retries=2).scoreboard(NFL, DAY)

    assert len(board.games) == 13
    assert len(responses.calls) == 3
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 1.5  # 0.5 * 2**n plus up to 0.5 jitter


@responses.activate(registry=registries.OrderedRegistry)
def test_it_gives_up_after_the_retry_limit():
    for _ in range(3):
        responses.add(status(503))

    with pytest.raises(EspnHttpError, match="HTTP 503") as raised:
        make_client(max_retries=2).scoreboard(NFL, DAY)

    assert raised.value.retryable is True
    assert len(responses.calls) == 3


@responses.activate(registry=registries.OrderedRegistry)
def test_it_retries_timeouts_and_connection_errors():
    responses.add(responses.GET, NFL_URL, body=requests.ReadTimeout("slow"))
    responses.add(responses.GET, NFL_URL, body=requests.ConnectionError("refused"))
    responses.add(ok())

    assert len(make_client(max_retries=2).scoreboard(NFL, DAY).games) == 13
    assert len(responses.calls) == 3


@responses.activate(registry=registries.OrderedRegistry)
@pytest.mark.parametrize("code", [400, 403, 404])
def test_it_does_not_retry_other_4xx(code):
    responses.add(status(code))

    with pytest.raises(EspnHttpError) as raised:
        make_client(max_retries=2).scoreboard(NFL, DAY)

    assert raised.value.retryable is False and raised.value.status == code
    assert len(responses.calls) == 1


@responses.activate(registry=registries.OrderedRegistry)
def test_it_honours_a_short_retry_after():
    responses.add(status(429, {"Retry-After": "3"}))
    responses.add(ok())
    sleeps: list[float] = []

    make_client(sleeps=sleeps).scoreboard(NFL, DAY)

    assert sleeps == [3.0]


@responses.activate(registry=registries.OrderedRegistry)
def test_a_long_retry_after_is_returned_to_the_scheduler_not_slept():
    responses.add(status(429, {"Retry-After": "120"}))
    sleeps: list[float] = []

    with pytest.raises(EspnRateLimited) as raised:
        make_client(sleeps=sleeps).scoreboard(NFL, DAY)

    assert raised.value.retry_after == 120 and sleeps == []


@responses.activate
def test_it_sends_an_honest_user_agent_single_days_and_the_leagues_query():
    responses.add(
        responses.GET,
        f"{BASE}/apis/site/v2/sports/football/college-football/scoreboard",
        json={"events": []},
    )

    make_client().scoreboard(CFB, date(2022, 9, 17))

    request = responses.calls[0].request
    assert request.headers["User-Agent"] == "scores-test/1.0 (+https://example.org)"
    assert "dates=20220917" in request.url and "groups=80" in request.url and "-" not in request.url.split("dates=")[1]


@responses.activate
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("<html><body>Service unavailable</body></html>", "text/html", "HTML"),
        ('{"events": [{"id": "1"', "application/json", "cannot read"),
        ("[]", "application/json", "cannot read"),
        ("<!DOCTYPE html><p>edge error</p>", "application/json", "cannot read"),
    ],
)
def test_a_response_that_is_not_espn_json_is_an_error(body, content_type, message):
    responses.add(responses.GET, NFL_URL, body=body, content_type=content_type)

    with pytest.raises(EspnBadPayload, match=message):
        make_client().scoreboard(NFL, DAY)


def test_league_feed_parsing():
    assert CFB.espn_league == "football/college-football" and CFB.params == {"groups": "80"}
    with pytest.raises(ValueError, match="sport/league"):
        LeagueFeed.parse("nfl")


# The circuit breaker -----------------------------------------------------------------


def failing_client(redis_client) -> EspnClient:
    return make_client(redis_client, max_retries=0, breaker_fail_max=5, breaker_reset_seconds=300)


@responses.activate
def test_breaker_opens_after_five_consecutive_failures_and_is_shared_through_redis(redis_client):
    responses.add(status(500))
    client = failing_client(redis_client)
    for _ in range(5):
        with pytest.raises(EspnHttpError):
            client.scoreboard(NFL, DAY)

    # A second process (another client on the same Redis) sees it open and does not call ESPN.
    other = failing_client(redis_client)
    with pytest.raises(EspnUnavailable):
        other.scoreboard(NFL, DAY)

    assert len(responses.calls) == 5
    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "open"
    assert redis_client.hget(BREAKER_KEY, "state") == b"open"


@responses.activate(registry=registries.OrderedRegistry)
def test_breaker_half_opens_after_five_minutes_and_closes_on_success(redis_client):
    for _ in range(5):
        responses.add(status(500))
    responses.add(ok())
    start = datetime(2024, 12, 15, 18, 0, tzinfo=UTC)
    client = failing_client(redis_client)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            with pytest.raises(EspnHttpError):
                client.scoreboard(NFL, DAY)

    with time_machine.travel(start + timedelta(minutes=4, seconds=59), tick=False), pytest.raises(EspnUnavailable):
        client.scoreboard(NFL, DAY)

    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        board = client.scoreboard(NFL, DAY)

    assert len(board.games) == 13
    assert read_breaker(redis_client, BREAKER_KEY) | {"opened_at": None} == {
        "state": "closed",
        "consecutive_failures": 0,
        "opened_at": None,
    }


@responses.activate(registry=registries.OrderedRegistry)
def test_a_failed_half_open_probe_opens_the_breaker_again(redis_client):
    for _ in range(6):
        responses.add(status(500))
    start = datetime(2024, 12, 15, 18, 0, tzinfo=UTC)
    client = failing_client(redis_client)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            with pytest.raises(EspnHttpError):
                client.scoreboard(NFL, DAY)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        with pytest.raises(EspnHttpError):
            client.scoreboard(NFL, DAY)  # the probe
        with pytest.raises(EspnUnavailable):
            client.scoreboard(NFL, DAY)

    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "open"
    assert len(responses.calls) == 6


@responses.activate
def test_our_own_bad_requests_do_not_trip_the_breaker(redis_client):
    responses.add(status(400))
    client = failing_client(redis_client)
    for _ in range(7):
        with pytest.raises(EspnHttpError):
            client.scoreboard(NFL, DAY)

    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "closed"


@responses.activate
def test_unreadable_payloads_count_against_the_breaker(redis_client):
    responses.add(responses.GET, NFL_URL, body="<html>oops</html>", content_type="text/html")
    client = failing_client(redis_client)
    for _ in range(5):
        with pytest.raises(EspnBadPayload):
            client.scoreboard(NFL, DAY)

    assert read_breaker(redis_client, BREAKER_KEY)["state"] == "open"


@responses.activate
def test_rate_limit_is_shared_in_redis(redis_client):
    responses.add(ok(json.dumps({"events": []}).encode()))
    sleeps: list[float] = []
    clients = [make_client(redis_client, sleeps=sleeps, rate_limit_per_second=2) for _ in range(2)]
    with time_machine.travel(datetime(2024, 12, 15, 18, 0, 0, 100_000, tzinfo=UTC), tick=False):
        clients[0].scoreboard(NFL, DAY)
        clients[1].scoreboard(NFL, DAY)
        assert sleeps == []
        # A third request in the same second waits for the next one. Redis counts per wall-clock
        # second, so let the "sleep" move time on instead of really sleeping.
        clients[0].rate_limiter.sleep = lambda seconds: (sleeps.append(seconds), traveller.shift(seconds))
        with time_machine.travel(datetime(2024, 12, 15, 18, 0, 0, 200_000, tzinfo=UTC), tick=False) as traveller:
            clients[0].scoreboard(NFL, DAY)

    assert len(sleeps) == 1 and 0.7 < sleeps[0] <= 0.81
