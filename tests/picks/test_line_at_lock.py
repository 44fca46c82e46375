"""The line at lock is the line at lock: a poll that brings the kickoff and a moved line at once
never lets the moved line into an against-the-spread league's grading, whatever runs after it.

Real recorded ESPN JSON through the real poll (HTTP mocked with `responses`, time with time_machine).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from espn.parsing import parse_scoreboard
from games.ingest import ingest_snapshots
from games.models import Game
from games.polling import poll_scoreboards
from picks.grading import freeze_lines_at_lock
from picks.models import GameLine, Pick, PickResult
from picks.submission import PickInput, submit_picks
from tests.celery_queue import run_queued_grading
from tests.games.conftest import NFL_LIVE_DAY, event, fixture_copy, set_final, set_score, set_status
from tests.ops.conftest import espn_client

from .factories import entry_of, make_league, make_user

pytestmark = pytest.mark.django_db

NYG_AT_TEN = "401437640"  # scheduled 20:25 UTC in the recording, "TEN -5.5"
BEFORE_KICKOFF = datetime(2022, 9, 11, 19, 0, tzinfo=UTC)
JUST_AFTER_KICKOFF = datetime(2022, 9, 11, 20, 27, tzinfo=UTC)
AFTER_THE_GAME = datetime(2022, 9, 11, 23, 40, tzinfo=UTC)


def poll_at(now: datetime):
    with time_machine.travel(now, tick=False):
        result = poll_scoreboards(force=True, now=now, client=espn_client())
    assert not result.errors, result.errors
    return result


def move_line(board: dict, details: str) -> None:
    event(board, NYG_AT_TEN)["competitions"][0]["odds"][0]["details"] = details


def test_a_poll_that_sees_the_kickoff_and_a_new_line_at_once_freezes_the_line_before_kickoff(
    fake_espn, django_capture_on_commit_callbacks
):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    game = Game.objects.get(espn_id=NYG_AT_TEN)
    assert game.spread == Decimal("-5.5")  # home (TEN) favoured by 5.5

    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    with time_machine.travel(BEFORE_KICKOFF, tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)], now=BEFORE_KICKOFF)

    # The first poll after kickoff: the game is under way and ESPN's line moved to TEN -7.5.
    set_status(board, NYG_AT_TEN, name="STATUS_IN_PROGRESS", state="in", completed=False, short="1st 14:20")
    set_score(board, NYG_AT_TEN, home=0, away=0)
    move_line(board, "TEN -7.5")
    poll_at(JUST_AFTER_KICKOFF)
    assert Game.objects.get(pk=game.pk).spread == Decimal("-7.5")  # the game shows ESPN's latest line
    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")  # frozen by that very poll

    with time_machine.travel(JUST_AFTER_KICKOFF, tick=False):
        freeze_lines_at_lock(now=JUST_AFTER_KICKOFF)  # the sweep after it changes nothing
    move_line(board, "TEN -9.5")
    poll_at(JUST_AFTER_KICKOFF.replace(minute=40))  # nor does a later poll

    # TEN wins by 6: covers -5.5, would not have covered -7.5.
    set_final(board, NYG_AT_TEN)
    set_score(board, NYG_AT_TEN, home=27, away=21)
    with django_capture_on_commit_callbacks(execute=True):
        poll_at(AFTER_THE_GAME)
    assert run_queued_grading() == [[game.pk]]

    pick = Pick.objects.get()
    assert (pick.result, pick.line_at_lock) == (PickResult.WIN, Decimal("-5.5"))
    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")


def test_a_game_first_locked_by_the_clock_keeps_the_line_it_had_while_open(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    game = Game.objects.get(espn_id=NYG_AT_TEN)
    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)], now=BEFORE_KICKOFF)

    # Past kickoff ESPN still says scheduled but moves the line: the game is locked by the clock.
    move_line(board, "TEN -7.5")
    poll_at(JUST_AFTER_KICKOFF)

    assert GameLine.objects.get(game=game).spread == Decimal("-5.5")


def test_freezing_at_lock_costs_the_ingest_the_same_queries_for_one_game_as_for_three(fake_espn):
    board = fixture_copy(NFL_LIVE_DAY)
    fake_espn.board("football/nfl", "20220911", board)
    poll_at(BEFORE_KICKOFF)
    late_games = ["401437649", "401437653", "401437643"]  # GB @ MIN, KC @ ARI, LV @ LAC: 20:25 UTC too
    games = {g.espn_id: g for g in Game.objects.filter(espn_id__in=[NYG_AT_TEN, *late_games])}
    lines_before = {espn_id: game.spread for espn_id, game in games.items()}
    league = make_league(season_year=2022, against_spread=True)
    ann = entry_of(league, make_user("ann"))
    picks = [PickInput(g.pk, g.home_team_id) for g in games.values()]
    submit_picks(user=ann.user, entry=ann, picks=picks, now=BEFORE_KICKOFF)

    def kick_off(espn_ids: list[str], now: datetime) -> int:
        for espn_id in espn_ids:
            set_status(board, espn_id, name="STATUS_IN_PROGRESS", state="in", completed=False, short="1st 15:00")
            event(board, espn_id)["competitions"][0]["odds"][0]["details"] = "EVEN"
        with CaptureQueriesContext(connection) as captured:
            ingest_snapshots(parse_scoreboard(board, "football/nfl").games, now=now)
        return len(captured.captured_queries)

    one = kick_off([NYG_AT_TEN], JUST_AFTER_KICKOFF)
    three = kick_off(late_games, JUST_AFTER_KICKOFF.replace(minute=30))

    assert one == three
    frozen = dict(GameLine.objects.values_list("game__espn_id", "spread"))
    assert frozen == lines_before and all(spread is not None for spread in frozen.values())
