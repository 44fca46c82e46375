"""GET /api/status/: the poller's health and what it has been doing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from config.redis_client import cache_redis
from config.redis_keys import BREAKER_KEY, LAST_POLL_KEY
from games.ingest import IngestResult
from games.polling import PollResult, publish_after_poll
from tests.games.seed import NFL_LIVE_DAY, SUNDAY_2022, ingest_fixture, publish

pytestmark = pytest.mark.django_db

STATUS = reverse("api-status")


def test_status_reports_the_last_poll_interval_live_count_and_breaker(client):
    with time_machine.travel(SUNDAY_2022, tick=False):
        publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022), now=SUNDAY_2022)
    with time_machine.travel(SUNDAY_2022 + timedelta(seconds=4), tick=False):
        body = client.get(STATUS).json()

    assert body["healthy"] is True and body["problems"] == []
    assert body["last_poll"]["started_at"] == SUNDAY_2022.isoformat()
    assert body["last_poll"]["age_seconds"] == 4.0
    assert body["last_poll"]["changed"] == 16
    assert body["polling"]["regime"] == "live"
    assert body["polling"]["interval_seconds"] == 4  # POLL_LIVE_SECONDS's default
    assert body["polling"]["reason"] == "8 games live"
    assert body["polling"]["live_count"] == 8
    assert body["breaker"]["state"] == "closed"
    assert body["recent_polls"] == {
        "polls": 1, "polls_with_errors": 0, "espn_requests": 1, "espn_errors": 0, "error_rate": 0.0,
    }  # fmt: skip


def test_status_error_rate_covers_recent_polls(client, db):
    redis = cache_redis()
    for minute, errors in enumerate([[], ["football/nfl 2022-09-11: HTTP 503"], [], ["a", "b"]]):
        now = SUNDAY_2022 + timedelta(minutes=minute)
        poll = PollResult(started_at=now, ingest=IngestResult(), requests=4, errors=errors)
        with time_machine.travel(now, tick=False):
            publish_after_poll(poll, redis, now)

    with time_machine.travel(SUNDAY_2022 + timedelta(minutes=3, seconds=1), tick=False):
        recent = client.get(STATUS).json()["recent_polls"]

    assert recent == {
        "polls": 4,
        "polls_with_errors": 2,
        "espn_requests": 16,
        "espn_errors": 3,
        "error_rate": 0.1875,
    }


def test_status_is_unhealthy_without_polls_or_with_an_open_breaker(client, db):
    cache_redis().hset(BREAKER_KEY, mapping={"state": "open", "fail_counter": 5})

    body = client.get(STATUS).json()

    assert body["healthy"] is False
    assert "no successful poll recorded" in body["problems"]
    assert "ESPN circuit breaker open" in body["problems"]
    assert body["breaker"]["consecutive_failures"] == 5


def test_status_flags_a_late_poll(client, db):
    with time_machine.travel(SUNDAY_2022, tick=False):
        publish(ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022), now=SUNDAY_2022)
    cache_redis().expire(LAST_POLL_KEY, 3600)
    with time_machine.travel(SUNDAY_2022 + timedelta(minutes=2), tick=False):
        body = client.get(STATUS).json()

    assert body["healthy"] is False
    # the rule of /health/: twice the 4 s live interval plus a minute
    assert body["problems"] == ["the last successful poll was 120s ago (limit 68s)"]
