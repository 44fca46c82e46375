"""Operators' commands: poll_espn_now and sync_games."""

import logging
import threading
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from espn.replay import ManualClock, ReplayConfig, make_server
from games import polling
from games.models import Game

from .conftest import NFL_FINAL_DAY, NFL_LIVE_DAY, fixture_copy

pytestmark = pytest.mark.django_db

SUNDAY_2024 = datetime(2024, 12, 15, 19, 0, tzinfo=UTC)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_poll_espn_now_reports_what_it_did(fake_espn):
    fake_espn.board("football/nfl", "20241215", fixture_copy(NFL_FINAL_DAY))

    with time_machine.travel(SUNDAY_2024, tick=False):
        output = run("poll_espn_now")

    assert "games seen: 13, changed: 13, gone final: 13, ESPN requests: 2" in output
    assert "next poll in" in output
    assert Game.objects.count() == 13


def test_poll_espn_now_fails_in_one_clear_line_when_espn_fails(fake_espn, espn_settings, caplog):
    espn_settings.ESPN_MAX_RETRIES = 0
    fake_espn.board("football/nfl", "20241215", (500, {}, "boom"))

    with time_machine.travel(SUNDAY_2024, tick=False), pytest.raises(CommandError) as raised:
        run("poll_espn_now")

    assert str(raised.value) == "ESPN failed: football/nfl 2024-12-15: ESPN answered HTTP 500"
    assert [r.getMessage() for r in caplog.records if r.levelno < logging.ERROR] == []  # the one line is the error


def test_poll_espn_now_shows_the_poller_log_at_verbosity_2(fake_espn, espn_settings, caplog):
    espn_settings.ESPN_MAX_RETRIES = 0
    fake_espn.board("football/nfl", "20241215", (500, {}, "boom"))

    with time_machine.travel(SUNDAY_2024, tick=False), pytest.raises(CommandError):
        run("poll_espn_now", "--verbosity", "2")

    assert any(r.levelno == logging.WARNING and r.name == "games.polling" for r in caplog.records)


def test_sync_games_loads_a_week_and_is_safe_to_run_twice(fake_espn):
    fake_espn.board("football/nfl", "2022", fixture_copy(NFL_LIVE_DAY))

    first = run("sync_games", "--league", "football/nfl", "--season", "2022", "--week", "1")
    second = run("sync_games", "--league", "football/nfl", "--season", "2022", "--week", "1")

    assert "2022 regular season week 1: 16 games, 16 changed" in first
    assert "2022 regular season week 1: 16 games, 0 changed" in second
    assert Game.objects.count() == 16
    week_request = next(p for league, p in fake_espn.requests if league == "football/nfl")
    assert (week_request["seasontype"], week_request["week"]) == ("2", "1")


def test_sync_games_asks_for_each_day_of_a_range(fake_espn):
    fake_espn.board("football/nfl", "20241215", fixture_copy(NFL_FINAL_DAY))

    output = run("sync_games", "--league", "football/nfl", "--dates", "20241214-20241216")

    assert fake_espn.days_asked("football/nfl") == ["20241214", "20241215", "20241216"]
    assert "2024-12-15: 13 games, 13 changed" in output and "done: 13 games seen, 13 changed" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dates", "2024-12-15"], "--dates"),
        (["--dates", "20241216-20241201"], "ends before it starts"),
        (["--week", "3"], "--week needs --season"),
        (["--league", "nfl", "--season", "2024"], "sport/league"),
        (["--league", "basketball/nba", "--season", "2024"], "has no weeks"),
        ([], "give --season"),
    ],
)
def test_sync_games_rejects_bad_arguments_clearly(fake_espn, args, message):
    with pytest.raises(CommandError, match=message):
        run("sync_games", *args)
    assert Game.objects.count() == 0


def test_sync_games_names_the_url_espn_refused(fake_espn, espn_settings):
    espn_settings.ESPN_MAX_RETRIES = 0
    fake_espn.board("football/nfl", "2025", (400, {"Content-Type": "application/json"}, '{"code":400}'))

    with pytest.raises(CommandError) as raised:
        run("sync_games", "--league", "football/nfl", "--season", "2025", "--week", "3")

    asked = "https://espn.test/apis/site/v2/sports/football/nfl/scoreboard?dates=2025&seasontype=2&week=3&limit=300"
    assert str(raised.value) == f"ESPN failed: ESPN answered HTTP 400 (asked {asked})"


@pytest.fixture
def replay(settings, redis_client):
    """The ESPN replay on a free port, its games kicking off on 2026-09-12."""
    start = datetime(2026, 9, 12, 16, 0, tzinfo=UTC)
    server = make_server("127.0.0.1", 0, ReplayConfig(start=start), ManualClock(start))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    settings.ESPN_BASE_URL = server.url
    settings.ESPN_LEAGUES = ["football/nfl", "football/college-football?groups=80"]
    settings.ESPN_MAX_RETRIES = 0
    polling.espn_client.cache_clear()
    yield server
    server.shutdown()
    server.server_close()
    polling.espn_client.cache_clear()


def test_sync_games_loads_weeks_from_the_replay(replay):
    # The README's example: the replay answers ESPN's week view (no game of its recordings is in that week).
    readme = run("sync_games", "--league", "football/nfl", "--season", "2025", "--week", "3")
    dal_at_pit = run("sync_games", "--league", "football/nfl", "--season", "2024", "--week", "5")
    college = run("sync_games", "--league", "football/college-football", "--season", "2017", "--week", "1")

    assert "2025 regular season week 3: 0 games, 0 changed" in readme
    assert "2024 regular season week 5: 1 games, 1 changed" in dal_at_pit
    assert "2017 regular season week 1: 2 games, 2 changed" in college  # the configured groups=80 asked
    assert sorted(Game.objects.values_list("short_name", flat=True)) == ["DAL @ PIT", "STAN VS RICE", "WASH @ RUTG"]
