"""Grading the real way: recorded ESPN JSON -> parsing -> ingest -> signal after commit -> graded picks."""

import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.request import urlopen

import pytest
import time_machine

from espn.parsing import parse_scoreboard
from espn.replay import ManualClock, ReplayConfig, make_server
from games import polling
from games.ingest import ingest_snapshots
from games.models import Game
from picks.demo import seed_demo_league
from picks.grading import side_results
from picks.models import GameLine, Pick, PickemLeague, PickResult
from picks.standings import season_standings, week_standings
from picks.submission import PickInput, submit_picks
from picks.weeks import Week
from tests.celery_queue import run_queued_grading
from tests.espn_fixtures import load_fixture

from .factories import entry_of, make_league, make_user

pytestmark = pytest.mark.django_db

FINAL_DAY = "nfl/scoreboard-20241215-wk15-sunday-final.json"  # 13 real finals, 2024 week 15


def as_scheduled(payload: dict) -> dict:
    """The same scoreboard as it looked before kickoff: status pre, no scores, a line for one game."""
    before = copy.deepcopy(payload)
    for event in before["events"]:
        competition = event["competitions"][0]
        competition["status"]["type"].update(
            {"id": "1", "name": "STATUS_SCHEDULED", "state": "pre", "completed": False,
             "detail": "Sun, December 15th at 1:00 PM EST", "shortDetail": "12/15 - 1:00 PM EST"}
        )  # fmt: skip
        competition["status"].update({"period": 0, "displayClock": "0:00", "clock": 0})
        for competitor in competition["competitors"]:
            competitor.pop("score", None)
            competitor.pop("winner", None)
            competitor.pop("linescores", None)
    return before


def test_a_real_espn_final_ingested_grades_the_picks_once(django_capture_on_commit_callbacks):
    final_payload = load_fixture(FINAL_DAY)
    before = parse_scoreboard(as_scheduled(final_payload), "football/nfl")
    first_kickoff = min(g.kickoff for g in before.games)
    ingest_snapshots(before.games, now=first_kickoff - timedelta(hours=2))

    league = make_league(name="Week 15", season_year=2024)
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    games = list(Game.objects.filter(season__year=2024, week=15).select_related("home_team", "away_team"))
    assert len(games) == 13
    with time_machine.travel(first_kickoff - timedelta(hours=1), tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(g.pk, g.home_team_id) for g in games])
        submit_picks(user=bob.user, entry=bob, picks=[PickInput(g.pk, g.away_team_id) for g in games])

    final = parse_scoreboard(final_payload, "football/nfl")
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_snapshots(final.games, now=first_kickoff + timedelta(hours=12))
    assert len(result.went_final) == 13
    assert run_queued_grading() == [sorted(g.pk for g in games)]  # one task for the poll's finals, run by a worker

    home_wins = sum(1 for g in final.games if g.home.score > g.away.score)
    assert Pick.objects.filter(result=PickResult.PENDING).count() == 0
    assert Pick.objects.filter(entry=ann, result=PickResult.WIN).count() == home_wins
    assert Pick.objects.filter(entry=bob, result=PickResult.WIN).count() == 13 - home_wins
    standings = week_standings(league, Week(2, 15))
    assert {r.username: r.points for r in standings.rows} == {
        "ann": home_wins, "bob": 13 - home_wins, league.commissioner.username: 0,
    }  # fmt: skip

    graded_at = set(Pick.objects.values_list("graded_at", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        again = ingest_snapshots(final.games, now=first_kickoff + timedelta(hours=13))  # a repeated poll
    assert run_queued_grading() == []
    assert again.went_final == []
    assert set(Pick.objects.values_list("graded_at", flat=True)) == graded_at


def with_score(payload: dict, *, home: int, away: int) -> dict:
    changed = copy.deepcopy(payload)
    for competitor in changed["events"][0]["competitions"][0]["competitors"]:
        competitor["score"] = str(home if competitor["homeAway"] == "home" else away)
    return changed


def nfl_games(payload: dict):
    return parse_scoreboard(payload, "football/nfl").games


def test_an_espn_score_correction_through_ingest_regrades(django_capture_on_commit_callbacks):
    payload = load_fixture(FINAL_DAY)
    payload["events"] = payload["events"][:1]
    kickoff = nfl_games(payload)[0].kickoff
    ingest_snapshots(nfl_games(as_scheduled(payload)), now=kickoff - timedelta(hours=1))
    league = make_league(season_year=2024)
    ann = entry_of(league, make_user("ann"))
    game = Game.objects.get()
    with time_machine.travel(kickoff - timedelta(minutes=5), tick=False):
        submit_picks(user=ann.user, entry=ann, picks=[PickInput(game.pk, game.home_team_id)])

    with django_capture_on_commit_callbacks(execute=True):
        ingest_snapshots(nfl_games(with_score(payload, home=24, away=20)), now=kickoff + timedelta(hours=4))
    run_queued_grading()
    first = Pick.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_snapshots(nfl_games(with_score(payload, home=24, away=27)), now=kickoff + timedelta(hours=6))
    assert run_queued_grading() == [[game.pk]]

    assert result.corrected == [game.espn_id]
    second = Pick.objects.get()
    assert (first.result, second.result) == (PickResult.WIN, PickResult.LOSS)
    assert second.graded_at > first.graded_at


# --------------------------------------------------------------------------- the replay, end to end


@pytest.fixture
def replay(settings, redis_client):
    start = datetime(2026, 9, 12, 16, 0, tzinfo=UTC)  # noon Eastern: every game on one Eastern date
    clock = ManualClock(start)
    server = make_server("127.0.0.1", 0, ReplayConfig(start=start), clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ESPN_BASE_URL = server.url
    settings.ESPN_LEAGUES = ["football/nfl", "football/college-football?groups=80"]
    settings.ESPN_RATE_LIMIT_PER_SECOND = 1000
    polling.espn_client.cache_clear()
    yield server, clock, start
    server.shutdown()
    server.server_close()
    polling.espn_client.cache_clear()


def poll_at(clock, moment):
    clock.set(moment)
    with time_machine.travel(moment, tick=False):
        result = polling.poll_scoreboards(force=True, now=moment)
    assert not result.errors, result.errors
    return result


def test_the_replay_ends_with_correctly_graded_picks_for_the_seeded_demo_league(
    replay, django_capture_on_commit_callbacks
):
    server, clock, start = replay
    with django_capture_on_commit_callbacks(execute=True):
        poll_at(clock, start + timedelta(seconds=10))  # before the first kickoff: six games scheduled
    seeded = seed_demo_league(now=start + timedelta(seconds=20))
    assert len(seeded.leagues) >= 2
    # Four demo members, six games; demo_ann's second entry picks the first league's games; demo_dan
    # leaves each pick'em league's last game to pick (for the reminder); the survivor pool takes one team a member.
    first_league = seeded.leagues[0]
    pickem_leagues = [d for d in seeded.leagues if not d.league.is_survivor]
    assert Pick.objects.filter(entry__league__pool_type="pickem").count() == (
        4 * 6 + len(first_league.games) - len(pickem_leagues)
    )
    assert Pick.objects.filter(entry__league__pool_type="survivor").count() == 4
    lines_before_kickoff = dict(Game.objects.values_list("pk", "spread"))

    with django_capture_on_commit_callbacks(execute=True):
        poll_at(clock, start + timedelta(hours=1, minutes=30))  # games on: live projections move
    run_queued_grading()
    live_league = next(d.league for d in seeded.leagues if len(d.games) > 1)
    assert season_standings(live_league).live_games > 0

    end = start + timedelta(hours=4)
    with django_capture_on_commit_callbacks(execute=True):
        poll_at(clock, end)  # after the last final
    run_queued_grading()  # what a worker does with the poll's finals
    status = json.loads(urlopen(f"{server.url}/replay/status").read())
    assert status["allFinal"] is True
    expected = {g["id"]: g["expectedFinal"] for g in status["games"]}

    picks = Pick.objects.select_related("game", "entry__league")
    assert picks.filter(result=PickResult.PENDING).count() == 0
    for pick in picks:
        final = expected[pick.game.espn_id]
        line = lines_before_kickoff[pick.game_id] if pick.entry.league.against_spread else None
        home_result, away_result = side_results(final["home"], final["away"], line)
        wanted = home_result if pick.team_id == pick.game.home_team_id else away_result
        assert (pick.game.home_score, pick.game.away_score) == (final["home"], final["away"])
        assert pick.result == wanted, (pick.game, pick.entry.league, line)
        assert pick.points == ((pick.confidence or 1) if wanted == PickResult.WIN else 0)
    for game_id, spread in GameLine.objects.values_list("game_id", "spread"):
        assert spread == lines_before_kickoff[game_id]  # graded on the line before kickoff
    for league in PickemLeague.objects.all():
        rows = season_standings(league).rows
        by_entry = {r.entry_id: r.points for r in rows}
        for entry_id, points in by_entry.items():
            assert points == sum(Pick.objects.filter(entry_id=entry_id).values_list("points", flat=True))
    assert any(spread is not None and spread != Decimal(0) for spread in lines_before_kickoff.values())
