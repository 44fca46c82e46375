"""Missed picks: the favourite picked at lock, or a whole missed week scored the lowest minus one;
and season standings that drop each entry's lowest weeks."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picks.grading import auto_pick_locked_games, grade_game
from picks.models import Entry, Pick, PickResult
from picks.standings import season_standings, week_standings
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db
W1, W2, W3 = Week(2, 1), Week(2, 2), Week(2, 3)


_commissioners = itertools.count()


def league_with(**rules):
    league = make_league(make_user(f"commissioner{next(_commissioners)}"))
    for name, value in rules.items():
        setattr(league, name, value)
    league.save(update_fields=list(rules))
    return league


def members_since_long_ago(league):
    # Only a week an entry was a member for can be a missed week.
    Entry.objects.filter(league=league).update(joined_at=NOW - timedelta(days=60))


def finish(game, home, away):
    set_result(game, home_score=home, away_score=away)
    grade_game(game.pk, now=NOW)


def by_name(standings):
    return {row.entry_name: row for row in standings.rows}


# --------------------------------------------------------------------------- the favourite at lock


def test_a_missed_pick_becomes_the_favourite_at_lock_and_is_graded():
    favourite = league_with(missed_picks="favourite")
    plain = make_league()
    ann, bob = entry_of(favourite, make_user("ann")), entry_of(favourite, make_user("bob"))
    cat = entry_of(plain, make_user("cat"))
    away_favoured = make_game(home="NYJ", away="BUF", kickoff=NOW - timedelta(hours=1), spread="6.5")
    no_line = make_game(home="SEA", away="LAR", kickoff=NOW - timedelta(hours=1))
    make_pick(bob, away_favoured, "home")

    # ann and the commissioner on both games, bob on the one he did not pick
    assert auto_pick_locked_games(now=NOW) == 2 + 2 + 1
    auto = {p.game_id: p.team.abbreviation for p in Pick.objects.filter(entry=ann, auto=True).select_related("team")}
    assert auto == {away_favoured.pk: "BUF", no_line.pk: "SEA"}
    assert not Pick.objects.filter(entry=cat).exists()  # the rule is the league's: none here
    assert Pick.objects.get(entry=bob, game=away_favoured).auto is False
    assert auto_pick_locked_games(now=NOW) == 0  # once

    finish(away_favoured, 10, 24)
    assert Pick.objects.get(entry=ann, game=away_favoured).result == PickResult.WIN


def test_a_pick_made_by_the_rule_says_so_on_the_pick_page_the_grid_and_the_api(client):
    from rest_framework.test import APIClient

    league = league_with(missed_picks="favourite")
    ann = entry_of(league, make_user("ann"))
    locked = make_game(home="NYJ", away="BUF", kickoff=NOW - timedelta(hours=1), spread="6.5")
    auto_pick_locked_games(now=NOW)
    with time_machine.travel(NOW, tick=False):
        client.force_login(ann.user)
        page = client.get(f"/picks/?entry={ann.pk}&week=regular-1").content.decode()
        assert "(made for you)" in page
        grid = client.get(f"/picks/leagues/{league.pk}/?view=week&week=regular-1").content.decode()
        assert "BUF (auto)" in grid
        api = APIClient()
        api.force_authenticate(ann.user)
        (game,) = api.get(f"/api/picks/entries/{ann.pk}/games/?week=regular-1").json()["games"]
    assert (game["game_id"], game["pick"]["auto"]) == (locked.pk, True)


def test_grading_makes_the_favourite_picks_a_sweep_missed_in_constant_queries():
    def queries(members: int) -> int:
        league = league_with(missed_picks="favourite")
        for i in range(members):
            entry_of(league, make_user(f"m{members}-{i}"))
        game = make_game(home=f"H{members}", away=f"A{members}", week=members, kickoff=NOW - timedelta(hours=4))
        set_result(game, home_score=21, away_score=7)
        with CaptureQueriesContext(connection) as run:
            grade_game(game.pk, now=NOW)
        assert Pick.objects.filter(game=game, entry__league=league, auto=True, result="win").count() == members + 1
        return len(run)

    assert queries(3) == queries(20)


# --------------------------------------------------------------------------- lowest minus one


def test_a_whole_missed_week_scores_the_lowest_minus_one_in_the_week_and_the_season():
    league = league_with(missed_picks="lowest_minus_one")
    league.entries.all().delete()
    ann, bob, _ = (entry_of(league, make_user(n)) for n in ("ann", "bob", "cat"))
    members_since_long_ago(league)
    games = [make_game(home=f"H{n}", away=f"A{n}", kickoff=NOW - timedelta(hours=6 - n)) for n in range(4)]
    for game in games:
        make_pick(ann, game, "home")
    make_pick(bob, games[0], "home"), make_pick(bob, games[1], "home"), make_pick(bob, games[2], "away")
    for game in games:
        finish(game, 20, 10)  # every home team wins: ann 4, bob 2

    week = by_name(week_standings(league, W1))
    assert (week["cat"].points, week["cat"].missed_week) == (1, True)
    assert (week["bob"].points, week["bob"].missed_week) == (2, False)
    assert by_name(season_standings(league))["cat"].points == 1


def test_without_the_rule_a_missed_week_scores_nothing():
    league = make_league()
    ann, cat = entry_of(league, make_user("ann")), entry_of(league, make_user("cat"))
    game = make_game(kickoff=NOW - timedelta(hours=4))
    make_pick(ann, game, "home"), make_pick(league.entries.get(name=league.commissioner.username), game, "home")
    finish(game, 20, 10)
    assert by_name(week_standings(league, W1))["cat"].points == 0
    assert cat.pk in {row.entry_id for row in season_standings(league).rows}


# --------------------------------------------------------------------------- drop the lowest weeks


def three_weeks(league, picks):
    """picks: {name: [home picks per week: True home, False away]}; the home team wins every game."""
    users = {name: get_user_model().objects.filter(username=name).first() or make_user(name) for name in picks}
    entries = {name: entry_of(league, users[name]) for name in picks}
    members_since_long_ago(league)
    for number in (1, 2, 3):
        week_games = [
            make_game(home=f"H{number}{n}", away=f"A{number}{n}", week=number,
                      kickoff=NOW - timedelta(days=30 - 7 * number, hours=n))
            for n in range(2)
        ]  # fmt: skip
        for name, weeks in picks.items():
            for game, home in zip(week_games, weeks[number - 1], strict=True):
                if home is not None:
                    make_pick(entries[name], game, "home" if home else "away")
        for game in week_games:
            finish(game, 24, 17)
    return entries


def test_season_standings_drop_each_entrys_lowest_weeks():
    picks = {
        "ann": [(True, True), (True, True), (False, False)],  # 2, 2, 0
        "bob": [(True, False), (True, False), (True, False)],  # 1, 1, 1
    }
    plain = make_league()
    three_weeks(plain, picks)
    assert (by_name(season_standings(plain))["ann"].points, by_name(season_standings(plain))["bob"].points) == (4, 3)

    dropping = league_with(drop_lowest_weeks=1)
    dropping.entries.all().delete()
    three_weeks(dropping, picks)
    rows = by_name(season_standings(dropping))
    assert (rows["ann"].points, rows["ann"].dropped_weeks) == (4, [W3])
    assert (rows["bob"].points, rows["bob"].dropped_weeks) == (2, [W1])
    assert [row.entry_name for row in season_standings(dropping).rows][:1] == ["ann"]


def test_a_missed_week_is_the_first_dropped():
    league = league_with(drop_lowest_weeks=1)
    league.entries.all().delete()
    three_weeks(league, {"ann": [(True, True), (None, None), (True, False)], "bob": [(True, True)] * 3})
    rows = by_name(season_standings(league))
    assert (rows["ann"].points, rows["ann"].dropped_weeks) == (3, [W2])
    assert rows["bob"].points == 4


def test_week_based_season_rules_cost_no_query_per_entry():
    def queries(members: int) -> int:
        league = league_with(drop_lowest_weeks=1, missed_picks="lowest_minus_one")
        three_weeks(
            league, {f"q{members}-{i}": [(True, i % 2 == 0), (None, None), (False, True)] for i in range(members)}
        )
        with CaptureQueriesContext(connection) as run:
            season_standings(league)
        return len(run)

    assert queries(3) == queries(12)
