from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from espn.snapshots import Phase
from games.models import EspnLeague
from picks.demo import DEMO_MEMBERS, seed_demo_league
from picks.models import Entry, GameGrading, Pick, PickemLeague, PickResult, WeeklyTiebreaker

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db


def todays_games():
    return [
        make_game(home="H1", away="A1", kickoff=NOW + timedelta(hours=1), spread="-3"),
        make_game(home="H2", away="A2", kickoff=NOW + timedelta(hours=4)),
        make_game(home="C1", away="D1", kickoff=NOW + timedelta(hours=2), espn_league=EspnLeague.COLLEGE_FOOTBALL),
    ]


def test_seed_makes_a_league_per_espn_league_and_season_with_members_and_picks():
    todays_games()
    make_game(home="OLD", away="OLA", kickoff=NOW - timedelta(days=3))  # not today: left alone

    result = seed_demo_league(now=NOW)

    pickem = [d for d in result.leagues if not d.league.is_survivor]
    assert sorted(d.league.espn_league for d in pickem) == [EspnLeague.COLLEGE_FOOTBALL, EspnLeague.NFL]
    assert set(Entry.objects.values_list("user__username", flat=True)) == set(DEMO_MEMBERS)
    # demo_ann has a second entry in the first league (college football: one game today); demo_dan leaves
    # each pick'em league's last open game to pick (the demo's reminder goes to him).
    assert Pick.objects.filter(entry__league__pool_type="pickem").count() == len(DEMO_MEMBERS) * 3 + 1 - 2
    assert not Pick.objects.filter(entry__user__username="demo_dan", game__home_team__abbreviation="H2").exists()
    assert Entry.objects.filter(name="demo_ann · long shots").exists()
    survivor = next(d.league for d in result.leagues if d.league.is_survivor)
    assert Pick.objects.filter(entry__league=survivor).count() == len(DEMO_MEMBERS)  # one team a member
    assert WeeklyTiebreaker.objects.count() == len(DEMO_MEMBERS) * 2 + 1  # and the second entry, its one week
    nfl = PickemLeague.objects.get(espn_league=EspnLeague.NFL)
    weights = Pick.objects.filter(entry__league=nfl).values_list("confidence", flat=True)
    if nfl.uses_confidence:
        assert all(weights)


def test_seed_is_idempotent_and_never_overwrites_a_members_pick():
    games = todays_games()
    seed_demo_league(now=NOW)
    pick = Pick.objects.filter(entry__name="demo_bob", game=games[0], entry__league__pool_type="pickem").get()
    Pick.objects.filter(pk=pick.pk).update(
        team=games[0].away_team if pick.team_id == games[0].home_team_id else games[0].home_team
    )
    before = sorted(Pick.objects.values_list("pk", "team_id", "confidence"))

    again = seed_demo_league(now=NOW + timedelta(minutes=5))

    assert [d.created for d in again.leagues] == [False, False, False]
    assert sorted(Pick.objects.values_list("pk", "team_id", "confidence")) == before
    assert PickemLeague.objects.count() == 3


def test_seed_grades_games_already_over():
    game = make_game(kickoff=NOW - timedelta(hours=4))
    set_result(game, home_score=3, away_score=0)
    seed_demo_league(now=NOW)
    assert not Pick.objects.filter(result=PickResult.PENDING).exists()


def test_seed_command_prints_the_members_and_password():
    todays_games()
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo_league", stdout=out)
    text = out.getvalue()
    assert "Demo pick'em · NFL 2025" in text
    assert "demo_ann" in text and "pickem-demo" in text


def test_seed_command_without_games_says_to_poll_first():
    out = StringIO()
    call_command("seed_demo_league", stdout=out)
    assert "poll ESPN first" in out.getvalue()


def test_grade_picks_command_sweeps_and_regrades_one_game():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4), phase=Phase.FINAL, home_score=7, away_score=3)
    make_pick(entry_of(league, make_user("ann")), game, "home")
    out = StringIO()
    call_command("grade_picks", stdout=out)
    assert "final, 1 pick(s)" in out.getvalue()
    call_command("grade_picks", "--game", game.espn_id, "--force", stdout=out)
    assert GameGrading.objects.get().times_graded == 2
