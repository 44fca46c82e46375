"""Stuck-game alerts and followed games where an operator looks: /health/ (warnings), /api/status/, /metrics, admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from config.redis_client import cache_redis
from games import live_state
from games.models import Game, GameTracking
from games.tracking import sync_tracking
from tests.games.seed import NE_AT_MIA, NFL_LIVE_DAY, SUNDAY_2022, TB_AT_DAL, ingest, scoreboard_snapshots

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck():
    """The recorded Sunday an hour and a bit after TB at DAL's kickoff, which is still 'scheduled'."""
    ingest(scoreboard_snapshots(NFL_LIVE_DAY, "football/nfl"), now=SUNDAY_2022)
    tb = Game.objects.get(espn_id=TB_AT_DAL)
    late = tb.kickoff + timedelta(minutes=61)
    with time_machine.travel(late, tick=False):
        sync_tracking(now=SUNDAY_2022)
        sync_tracking(now=late)
        live_state.record_successful_poll(cache_redis(), at=late, interval_seconds=10)
    return late


def test_health_shows_a_stuck_game_as_a_warning_not_a_failure(client, stuck):
    with time_machine.travel(stuck + timedelta(seconds=5), tick=False):
        response = client.get("/health/")
        balancer = client.get("/health/?checks=database,redis")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert any(TB_AT_DAL in warning and "scheduled" in warning for warning in body["warnings"]), body
    assert "warnings" not in balancer.json()


def test_status_api_reports_followed_games_and_those_needing_attention(client, stuck):
    with time_machine.travel(stuck + timedelta(seconds=5), tick=False):
        body = client.get(reverse("api-status")).json()
    followed = body["followed_games"]
    assert followed["statuses"]["live"] == 8 and followed["statuses"]["final"] == 1  # Thursday's is not followed
    assert followed["alerts"]["not_started"] >= 1
    assert TB_AT_DAL in {game["espn_id"] for game in followed["needs_attention"]}


def test_metrics_count_followed_games_and_alerts(client, stuck):
    text = client.get("/metrics").content.decode()
    assert 'scores_followed_games{status="live"} 8.0' in text
    assert 'scores_game_alerts{alert="not_started"}' in text
    assert 'scores_game_alerts{alert="ungraded"} 0.0' in text


def test_admin_lists_every_followed_game_and_filters_those_needing_attention(staff_client, stuck):
    url = reverse("admin:games_gametracking_changelist")
    everything = staff_client.get(url).content.decode()
    assert everything.count('class="field-status"') == GameTracking.objects.count() == 15
    attention = staff_client.get(url, {"attention": "needs"}).content.decode()
    tb, ne = Game.objects.get(espn_id=TB_AT_DAL), Game.objects.get(espn_id=NE_AT_MIA)
    assert str(tb) in attention and "still scheduled well after its kickoff" in attention
    assert str(ne) not in attention  # final, nothing wrong with it
    page = staff_client.get(reverse("admin:games_gametracking_change", args=[tb.pk]))
    assert page.status_code == 200 and "not_started" in page.content.decode()
