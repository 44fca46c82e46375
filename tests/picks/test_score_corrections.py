"""Score corrections reach the commissioner's audit trail: the game, the score before and after,
when, and the picks whose result changed. Through the real path: recorded ESPN JSON -> ingest ->
signal after commit -> grading task -> audit page."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games.ingest import ingest_snapshots
from games.models import Game
from picks.models import CorrectedPick, PickResult, ScoreCorrection
from picks.submission import PickInput, submit_picks
from tests.celery_queue import run_queued_grading
from tests.espn_fixtures import load_fixture

from .factories import entry_of, make_league, make_user
from .test_ingest_grading import FINAL_DAY, as_scheduled, nfl_games, with_score

pytestmark = pytest.mark.django_db


def test_an_espn_score_correction_shows_in_the_audit_trail_with_the_picks_it_flipped(
    client, django_capture_on_commit_callbacks
):
    payload = load_fixture(FINAL_DAY)
    payload["events"] = payload["events"][:1]
    kickoff = nfl_games(payload)[0].kickoff
    ingest_snapshots(nfl_games(as_scheduled(payload)), now=kickoff - timedelta(hours=1))
    game = Game.objects.select_related("home_team", "away_team").get()
    home, away = game.home_team.abbreviation, game.away_team.abbreviation
    cat = make_user("cat")
    league = make_league(cat, season_year=2024)
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    dan = entry_of(league, make_user("dan"))  # no pick: nothing of his changes
    elsewhere = make_league(make_user("eve"), name="No picks on it", season_year=2024)
    with time_machine.travel(kickoff - timedelta(minutes=5), tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)])
        submit_picks(user=bob.user, entry=bob, picks=[PickInput(game.pk, game.away_team_id)])

    def poll(home_score: int, away_score: int, at: timedelta):
        with time_machine.travel(kickoff + at, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                ingest_snapshots(nfl_games(with_score(payload, home=home_score, away=away_score)), now=kickoff + at)
            run_queued_grading()

    poll(24, 20, timedelta(hours=4))  # the final: a first grading is no correction
    assert not ScoreCorrection.objects.exists()
    corrected_at = kickoff + timedelta(hours=6)
    poll(24, 27, timedelta(hours=6))  # ESPN corrects it: the away team won

    correction = ScoreCorrection.objects.get()
    assert (correction.game_id, correction.corrected_at) == (game.pk, corrected_at)
    assert (correction.old_home_score, correction.old_away_score) == (24, 20)
    assert (correction.new_home_score, correction.new_away_score) == (24, 27)
    assert sorted(
        CorrectedPick.objects.values_list("entry__user__username", "team_id", "old_result", "new_result", "new_points")
    ) == [
        ("ann", game.home_team_id, PickResult.WIN, PickResult.LOSS, 0),
        ("bob", game.away_team_id, PickResult.LOSS, PickResult.WIN, 1),
    ]

    client.force_login(cat)
    url = f"/picks/leagues/{league.pk}/audit/"
    with CaptureQueriesContext(connection) as one_correction:
        page = client.get(url).content.decode()
    assert "Score corrections" in page
    assert f"<td>{game}</td>" in page
    assert "<td>20\u201324</td>" in page and "<td>27\u201324</td>" in page  # away-home, before and after
    assert f'datetime="{corrected_at.isoformat()}"' in page
    assert f"ann ({home}): win \u2192 loss; bob ({away}): loss \u2192 win" in page
    assert "dan (" not in page and dan.pk

    poll(24, 20, timedelta(hours=7))  # and back again
    with CaptureQueriesContext(connection) as two_corrections:
        page = client.get(url).content.decode()
    assert page.count("<td>24\u201324</td>") == 0 and page.count("<td>27\u201324</td>") == 2
    assert len(two_corrections) == len(one_correction)  # no query per correction or per pick

    client.force_login(elsewhere.commissioner)
    assert "Score corrections" not in client.get(f"/picks/leagues/{elsewhere.pk}/audit/").content.decode()
