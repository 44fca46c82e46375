"""Operators' commands: poll_espn_now and sync_games."""

import logging
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

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
