"""Postponed games: their picks are void (the default), or kept when the game is rescheduled within the same week."""

from datetime import timedelta

import pytest

from espn.snapshots import Phase
from picks.grading import grade_game, void_picks_moved_out_of_their_week
from picks.models import Pick, PickResult
from picks.standings import week_standings
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db


def keeping_league():
    league = make_league(make_user("keeper"))
    league.postponed_games = "keep_same_week"
    league.save(update_fields=["postponed_games"])
    return league


def reschedule(game, *, kickoff, week=None):
    game.kickoff, game.phase, game.state, game.status_name = kickoff, Phase.SCHEDULED, "pre", "STATUS_SCHEDULED"
    if week is not None:
        game.week = week
    game.save(update_fields=["kickoff", "phase", "state", "status_name", "week"])


def test_a_postponed_game_rescheduled_in_the_same_week_keeps_the_pick_by_rule():
    game = make_game(kickoff=NOW - timedelta(hours=2))
    keep, void = keeping_league(), make_league()
    ann, bob = entry_of(keep, make_user("ann")), entry_of(void, make_user("bob"))
    make_pick(ann, game, "home"), make_pick(bob, game, "home")

    set_result(game, phase=Phase.POSTPONED)
    grade_game(game.pk, now=NOW)
    assert Pick.objects.get(entry=bob).result == PickResult.VOID
    assert Pick.objects.get(entry=ann).result == PickResult.PENDING
    assert week_standings(keep, Week(2, 1)).complete is False  # the kept pick is still to be played

    reschedule(game, kickoff=NOW + timedelta(days=1))
    set_result(game, home_score=24, away_score=10)
    grade_game(game.pk, now=NOW + timedelta(days=1, hours=4))
    assert Pick.objects.get(entry=ann).result == PickResult.WIN
    assert week_standings(keep, Week(2, 1)).complete is True


def test_a_kept_pick_whose_game_moves_to_another_week_is_void_after_all():
    game = make_game(kickoff=NOW - timedelta(hours=2))
    keep = keeping_league()
    ann = entry_of(keep, make_user("ann"))
    make_pick(ann, game, "home")
    set_result(game, phase=Phase.POSTPONED)
    grade_game(game.pk, now=NOW)
    assert void_picks_moved_out_of_their_week(now=NOW) == 0

    reschedule(game, kickoff=NOW + timedelta(days=8), week=2)
    assert void_picks_moved_out_of_their_week(now=NOW) == 1
    assert Pick.objects.get(entry=ann).result == PickResult.VOID
    assert week_standings(keep, Week(2, 1)).rows  # week 1 no longer waits for it

    set_result(game, home_score=24, away_score=10)
    grade_game(game.pk, now=NOW + timedelta(days=8, hours=4))
    assert Pick.objects.get(entry=ann).result == PickResult.VOID  # grading agrees: not this week's game
