"""The polling interval follows the live state: live cadence, idle, offseason, Retry-After."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from config.redis_keys import LIVE_STATE_KEY, NEXT_POLL_KEY
from games import live_state
from games.live_state import choose_interval
from games.polling import refresh_live_state

NOW = datetime(2024, 12, 15, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def intervals(settings):
    settings.POLL_LIVE_SECONDS = 10
    settings.POLL_IDLE_SECONDS = 300
    settings.POLL_OFFSEASON_SECONDS = 3600


def test_live_games_poll_at_live_cadence():
    state = choose_interval(live_count=3, next_kickoff=None, games_today=5, now=NOW)
    assert (state.regime, state.interval_seconds, state.reason) == ("live", 10, "3 games live")
    assert state.has_live_games


def test_a_kickoff_within_ten_minutes_polls_at_live_cadence():
    state = choose_interval(live_count=0, next_kickoff=NOW + timedelta(minutes=9), games_today=1, now=NOW)
    assert (state.regime, state.interval_seconds) == ("live", 10)
    assert "within 10 minutes" in state.reason


def test_a_game_past_its_kickoff_but_not_started_keeps_live_cadence():
    state = choose_interval(live_count=0, next_kickoff=NOW - timedelta(minutes=5), games_today=1, now=NOW)
    assert (state.regime, state.interval_seconds) == ("live", 10)
    assert "passed" in state.reason


def test_a_day_with_games_but_none_live_is_idle():
    state = choose_interval(live_count=0, next_kickoff=NOW + timedelta(hours=3), games_today=4, now=NOW)
    assert (state.regime, state.interval_seconds) == ("idle", 300)
    assert state.reason.startswith("4 games today, none live")


def test_idle_wakes_up_ten_minutes_before_a_kickoff():
    state = choose_interval(live_count=0, next_kickoff=NOW + timedelta(minutes=12), games_today=1, now=NOW)
    assert state.regime == "idle" and state.interval_seconds == 120


def test_no_games_today_is_offseason_hourly():
    state = choose_interval(live_count=0, next_kickoff=None, games_today=0, now=NOW)
    assert (state.regime, state.interval_seconds, state.reason) == ("offseason", 3600, "no games today")


def test_offseason_still_wakes_for_a_known_kickoff():
    state = choose_interval(live_count=0, next_kickoff=NOW + timedelta(minutes=40), games_today=0, now=NOW)
    assert state.regime == "offseason" and state.interval_seconds == 30 * 60


def test_retry_after_pushes_the_next_poll_later():
    state = choose_interval(
        live_count=2, next_kickoff=None, games_today=2, now=NOW, retry_after_until=NOW + timedelta(seconds=90)
    )
    assert state.interval_seconds == 90 and "ESPN asked us to wait" in state.reason


def test_the_interval_is_configurable(settings):
    settings.POLL_LIVE_SECONDS = 4
    assert choose_interval(live_count=1, next_kickoff=None, games_today=1, now=NOW).interval_seconds == 4


@pytest.mark.django_db
def test_adjusting_the_interval_only_brings_a_planned_poll_sooner(redis_client):
    redis_client.set(NEXT_POLL_KEY, "later", px=3_600_000)
    with time_machine.travel(NOW, tick=False):
        state = refresh_live_state(now=NOW)  # no games at all: offseason, one hour

    assert state.regime == "offseason"
    assert 3_500_000 < redis_client.pttl(NEXT_POLL_KEY) <= 3_600_000
    stored = json.loads(redis_client.get(LIVE_STATE_KEY))
    assert stored["regime"] == "offseason" and stored["reason"] == "no games today"

    redis_client.set(NEXT_POLL_KEY, "much later", px=7_200_000)
    with time_machine.travel(NOW, tick=False):
        refresh_live_state(now=NOW)
    assert redis_client.pttl(NEXT_POLL_KEY) <= 3_600_000


def test_eastern_day_bounds_cross_utc_midnight():
    late_evening = datetime(2024, 12, 16, 3, 30, tzinfo=UTC)  # 22:30 Eastern on the 15th
    start, end = live_state.eastern_day_bounds(0, late_evening)
    assert start == datetime(2024, 12, 15, 5, 0, tzinfo=UTC) and end == datetime(2024, 12, 16, 5, 0, tzinfo=UTC)


def test_a_tick_landing_just_before_the_due_time_polls_rather_than_waiting_a_whole_tick(redis_client):
    redis_client.set(NEXT_POLL_KEY, "soon", px=800)
    assert live_state.poll_is_due(redis_client, tick_seconds=2)
    redis_client.set(NEXT_POLL_KEY, "later", px=5_000)
    assert not live_state.poll_is_due(redis_client, tick_seconds=2)
    redis_client.delete(NEXT_POLL_KEY)
    assert live_state.poll_is_due(redis_client, tick_seconds=2)
