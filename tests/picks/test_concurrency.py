"""Two graders at once (overlapping polls, a retry) must not grade a game twice. Needs real row locks."""

from datetime import timedelta

import pytest
from django.db import connection

from picks.grading import grade_game
from picks.models import GameGrading, Pick, PickResult
from tests.concurrently import run_at_once

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: run with DATABASE_URL=postgres://..."),
]


def test_concurrent_graders_grade_a_game_exactly_once():
    league = make_league(against_spread=True)
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-3")
    for i in range(60):
        make_pick(entry_of(league, make_user(f"m{i}")), game, "home" if i % 2 else "away")
    set_result(game, home_score=24, away_score=20)

    results = run_at_once([lambda: grade_game(game.pk, now=NOW)] * 6)

    assert sorted(r.picks_graded for r in results) == [0, 0, 0, 0, 0, 60]
    assert GameGrading.objects.get(game=game).times_graded == 1
    assert Pick.objects.filter(result=PickResult.WIN).count() == 30


def test_a_correction_racing_a_first_grading_ends_on_the_corrected_score():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, home_score=24, away_score=20)
    grade_game(game.pk, now=NOW)
    set_result(game, home_score=20, away_score=24)

    run_at_once([lambda: grade_game(game.pk, now=NOW + timedelta(hours=1))] * 4)

    pick.refresh_from_db()
    grading = GameGrading.objects.get(game=game)
    assert (pick.result, grading.times_graded, grading.home_score) == (PickResult.LOSS, 2, 20)
