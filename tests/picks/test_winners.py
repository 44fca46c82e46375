"""Week and season winners: declared once every game is settled and graded, never before."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from espn.snapshots import Phase
from picks.grading import grade_game
from picks.models import WeeklyTiebreaker
from picks.standings import season_standings, week_standings
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db
WEEK1, WEEK2 = Week(2, 1), Week(2, 2)
SUPER_BOWL = Week(3, 5)


def guess(entry, week, value):
    WeeklyTiebreaker.objects.create(entry=entry, season_type=week.season_type, week=week.number, guess=value)


def finish(game, home, away):
    set_result(game, home_score=home, away_score=away)
    grade_game(game.pk, now=NOW)


def names(rows):
    return [row.username for row in rows]


def two_game_week(league, week=WEEK1, hours_ago=6):
    early = make_game(home="EH", away="EA", week=week.number, season_type=week.season_type,
                      kickoff=NOW - timedelta(hours=hours_ago))  # fmt: skip
    last = make_game(home="LH", away="LA", week=week.number, season_type=week.season_type,
                     kickoff=NOW - timedelta(hours=hours_ago - 3))  # fmt: skip
    return early, last


def test_no_winner_while_a_game_of_the_week_is_scheduled_or_live_then_the_tiebreaker_decides():
    league = make_league()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    early, last = two_game_week(league)
    make_pick(ann, early, "home"), make_pick(ann, last, "home")
    make_pick(bob, early, "home"), make_pick(bob, last, "home")
    guess(ann, WEEK1, 40), guess(bob, WEEK1, 45)
    finish(early, 21, 14)
    assert (week_standings(league, WEEK1).complete, week_standings(league, WEEK1).winners) == (False, [])

    set_result(last, phase=Phase.LIVE, home_score=24, away_score=20)
    live = week_standings(league, WEEK1)
    assert (live.complete, live.winners) == (False, [])

    finish(last, 24, 20)  # total 44: bob's 45 is closer than ann's 40
    done = week_standings(league, WEEK1)
    assert done.complete is True
    assert names(done.winners) == ["bob"]


def test_a_final_not_graded_yet_declares_no_winner():
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    game = make_game(kickoff=NOW - timedelta(hours=4))
    make_pick(ann, game, "home")
    set_result(game, home_score=30, away_score=3)  # final, but the grading task has not run

    standings = week_standings(league, WEEK1)

    assert (standings.complete, standings.winners) == (False, [])
    grade_game(game.pk, now=NOW)
    assert names(week_standings(league, WEEK1).winners) == ["ann"]


def test_equal_points_and_equal_tiebreaker_make_co_winners_and_a_postponed_game_does_not_hold_the_week():
    league = make_league()
    ann, bob, cat = (entry_of(league, make_user(n)) for n in ("ann", "bob", "cat"))
    early, last = two_game_week(league)
    postponed = make_game(home="PH", away="PA", kickoff=NOW - timedelta(hours=1))
    for entry in (ann, bob):
        make_pick(entry, early, "home"), make_pick(entry, last, "away")
    make_pick(cat, early, "away")
    guess(ann, WEEK1, 40), guess(bob, WEEK1, 48), guess(cat, WEEK1, 44)
    finish(early, 21, 14)
    finish(last, 20, 24)  # total 44: ann and bob both 4 off
    set_result(postponed, phase=Phase.POSTPONED)
    grade_game(postponed.pk, now=NOW)

    standings = week_standings(league, WEEK1)

    assert standings.complete is True
    assert names(standings.winners) == ["ann", "bob"]


def test_the_season_has_a_winner_only_after_its_postseason():
    league = make_league()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    week1 = make_game(kickoff=NOW - timedelta(days=8))
    make_pick(ann, week1, "home"), make_pick(bob, week1, "away")
    finish(week1, 10, 3)
    assert season_standings(league).complete is False  # one week played is not a season

    super_bowl = make_game(home="SBH", away="SBA", season_type=3, week=5, kickoff=NOW - timedelta(hours=4))
    make_pick(ann, super_bowl, "away"), make_pick(bob, super_bowl, "away")
    set_result(super_bowl, phase=Phase.LIVE, home_score=7, away_score=0)
    assert season_standings(league).winners == []

    finish(super_bowl, 14, 17)
    season = season_standings(league)
    assert season.complete is True
    assert names(season.winners) == ["ann"]


def test_the_api_and_the_league_page_declare_the_winner(client):
    league = make_league()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    early, last = two_game_week(league)
    make_pick(ann, early, "home"), make_pick(bob, early, "away")
    finish(early, 21, 14)
    client.force_login(ann.user)
    url = f"/api/picks/leagues/{league.pk}/standings/?week={WEEK1.slug}"
    with time_machine.travel(NOW, tick=False):
        before = client.get(url).json()
        page_before = client.get(f"/picks/leagues/{league.pk}/?week={WEEK1.slug}").content.decode()
    assert (before["week_complete"], before["winners"]) == (False, [])
    assert "winner" not in page_before.lower()

    finish(last, 24, 20)
    with time_machine.travel(NOW, tick=False):
        body = client.get(url).json()
        page = client.get(f"/picks/leagues/{league.pk}/?week={WEEK1.slug}").content.decode()
        season = client.get(f"/api/picks/leagues/{league.pk}/standings/?view=season").json()

    assert body["week_complete"] is True and body["season_complete"] is None
    assert body["winners"] == [{"entry_id": ann.pk, "username": "ann", "points": 1}]
    assert "Week 1 winner:</strong> ann (1 point)" in page
    assert (season["week_complete"], season["season_complete"], season["winners"]) == (None, False, [])


def test_winners_cost_no_query_per_member():
    def queries(members: int) -> int:
        league = make_league(name=f"League of {members}")
        entries = [entry_of(league, make_user(f"m{members}-{i}")) for i in range(members)]
        early, last = two_game_week(league, week=Week(2, members), hours_ago=6)
        for n, entry in enumerate(entries):
            make_pick(entry, early, "home" if n % 2 else "away"), make_pick(entry, last, "home")
        finish(early, 21, 14), finish(last, 24, 20)
        with CaptureQueriesContext(connection) as week_run:
            assert week_standings(league, Week(2, members)).winners
        with CaptureQueriesContext(connection) as season_run:
            season_standings(league).winners  # noqa: B018 - computing it is the point
        return len(week_run), len(season_run)

    assert queries(3) == queries(12)


def test_the_schema_documents_when_a_week_or_season_is_decided_and_who_won():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    standings = schemas["PickemLeagueStandingsOutput"]["properties"]

    assert standings["week_complete"]["type"] == standings["season_complete"]["type"] == "boolean"
    assert standings["winners"]["items"]["$ref"].endswith("/PickemLeagueStandingsOutputWinner")
    assert set(schemas["PickemLeagueStandingsOutputWinner"]["properties"]) == {"entry_id", "username", "points"}
