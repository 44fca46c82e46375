from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from espn.snapshots import Phase
from games.models import Game
from picks import leagues
from picks.grading import freeze_lines_at_lock, grade_game
from picks.models import ScoringMode, WeeklyTiebreaker
from picks.standings import season_standings, week_standings
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

pytestmark = pytest.mark.django_db
WEEK1, WEEK2 = Week(2, 1), Week(2, 2)


def guess(entry, week, value):
    WeeklyTiebreaker.objects.create(entry=entry, season_type=week.season_type, week=week.number, guess=value)


def table(standings):
    return [(r.username, r.rank, r.points, r.record, r.tiebreak_distance) for r in standings.rows]


def finish(game, home, away):
    set_result(game, home_score=home, away_score=away)
    grade_game(game.pk, now=NOW)


def test_week_standings_count_points_wins_losses_and_break_ties_with_the_last_games_total():
    league = make_league()
    ann, bob, cat = (entry_of(league, make_user(n)) for n in ("ann", "bob", "cat"))
    early = make_game(home="EH", away="EA", kickoff=NOW - timedelta(hours=6))
    last = make_game(home="LH", away="LA", kickoff=NOW - timedelta(hours=3))
    make_pick(ann, early, "home"), make_pick(ann, last, "away")
    make_pick(bob, early, "home"), make_pick(bob, last, "home")
    make_pick(cat, early, "away")
    guess(ann, WEEK1, 40), guess(bob, WEEK1, 47), guess(cat, WEEK1, 45)
    finish(early, 21, 14)
    finish(last, 24, 20)  # total 44

    standings = week_standings(league, WEEK1)

    assert standings.tiebreak.pk == last.pk and standings.tiebreak_total == 44
    commissioner = league.commissioner.username
    assert table(standings) == [
        ("bob", 1, 2, "2-0", 3),
        ("ann", 2, 1, "1-1", 4),
        ("cat", 3, 0, "0-1", 1),
        (commissioner, 4, 0, "0-0", None),
    ]


def test_equal_points_and_distance_share_a_rank():
    league = make_league()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    game = make_game(kickoff=NOW - timedelta(hours=3))
    make_pick(ann, game, "home"), make_pick(bob, game, "home")
    finish(game, 10, 3)
    ranks = {r.username: r.rank for r in week_standings(league, WEEK1).rows}
    assert (ranks["ann"], ranks["bob"], ranks[league.commissioner.username]) == (1, 1, 3)


def test_the_tiebreaker_is_unknown_until_the_last_game_is_final():
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    make_game(kickoff=NOW + timedelta(hours=3))
    guess(ann, WEEK1, 40)
    row = week_standings(league, WEEK1).row_for(ann.pk)
    assert (row.tiebreak_guess, row.tiebreak_distance) == (40, None)


def test_confidence_points_and_pushes_in_the_standings():
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    ann = entry_of(league, make_user("ann"))
    a = make_game(home="AH", away="AA", kickoff=NOW - timedelta(hours=3))
    b = make_game(home="BH", away="BA", kickoff=NOW - timedelta(hours=3))
    make_pick(ann, a, "home", confidence=5), make_pick(ann, b, "home", confidence=2)
    finish(a, 30, 0)
    finish(b, 7, 7)
    row = week_standings(league, WEEK1).row_for(ann.pk)
    assert (row.points, row.record) == (5, "1-0-1")


def test_live_standings_project_the_current_scores():
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    done = make_game(home="DH", away="DA", kickoff=NOW - timedelta(hours=4))
    live = make_game(home="LH", away="LA", kickoff=NOW - timedelta(hours=1))
    make_pick(ann, done, "home", confidence=1), make_pick(ann, live, "home", confidence=2)
    make_pick(bob, done, "away", confidence=2), make_pick(bob, live, "away", confidence=1)
    finish(done, 14, 10)
    set_result(live, phase=Phase.LIVE, home_score=3, away_score=17)

    standings = week_standings(league, WEEK1)

    assert standings.live_games == 1
    ann_row, bob_row = standings.row_for(ann.pk), standings.row_for(bob.pk)
    assert (ann_row.points, ann_row.live_points, ann_row.rank) == (1, 0, 1)
    assert (bob_row.points, bob_row.live_points, bob_row.projected_points, bob_row.live_rank) == (0, 1, 1, 1)


def test_live_standings_against_the_spread_use_the_frozen_line():
    league = make_league(against_spread=True)
    ann = entry_of(league, make_user("ann"))
    live = make_game(kickoff=NOW - timedelta(hours=1), spread="-7")
    make_pick(ann, live, "home")
    freeze_lines_at_lock(now=NOW)
    live.spread = None  # ESPN dropped the line once live
    live.save(update_fields=["spread"])
    set_result(live, phase=Phase.LIVE, home_score=10, away_score=7)  # home up 3: not covering -7
    assert week_standings(league, WEEK1).row_for(ann.pk).live_points == 0
    set_result(live, phase=Phase.LIVE, home_score=17, away_score=7)  # up 10: covering
    assert week_standings(league, WEEK1).row_for(ann.pk).live_points == 1


def test_season_standings_add_up_the_weeks_and_their_tiebreakers():
    league = make_league()
    ann, bob = entry_of(league, make_user("ann")), entry_of(league, make_user("bob"))
    w1 = make_game(home="1H", away="1A", week=1, kickoff=NOW - timedelta(days=7))
    w2 = make_game(home="2H", away="2A", week=2, kickoff=NOW - timedelta(hours=3))
    for entry in (ann, bob):
        make_pick(entry, w1, "home"), make_pick(entry, w2, "away")
    guess(ann, WEEK1, 30), guess(ann, WEEK2, 50), guess(bob, WEEK1, 40)  # bob has no week 2 guess
    finish(w1, 20, 17)  # 37
    finish(w2, 10, 31)  # 41

    standings = season_standings(league)

    assert standings.decided_weeks == 2
    # ann: |30-37| + |50-41| = 16; bob: |40-37| + 41 (no guess counts as 0) = 44
    assert table(standings)[:2] == [("ann", 1, 2, "2-0", 16), ("bob", 2, 2, "2-0", 44)]


def test_removed_members_leave_the_standings():
    league = make_league()
    bob = entry_of(league, make_user("bob"))
    leagues.member_remove(league=league, entry_id=bob.pk, user=league.commissioner, now=NOW)
    assert [r.username for r in week_standings(league, WEEK1).rows] == [league.commissioner.username]


def standings_queries(league) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as week:
        week_standings(league, WEEK1)
    with CaptureQueriesContext(connection) as season:
        season_standings(league)
    return len(week), len(season)


def test_standings_take_as_many_queries_for_40_members_as_for_4():
    games = [make_game(home=f"H{i}", away=f"A{i}", kickoff=NOW - timedelta(hours=3)) for i in range(3)]
    live = make_game(home="LH", away="LA", kickoff=NOW - timedelta(hours=1))
    set_result(live, phase=Phase.LIVE, home_score=7, away_score=0)
    leagues = []
    for size in (4, 40):
        league = make_league(name=f"size {size}")
        for i in range(size):
            entry = entry_of(league, make_user(f"u{size}-{i}"))
            for game in [*games, live]:
                make_pick(entry, game, "home" if i % 2 else "away")
            guess(entry, WEEK1, 30 + i)
        leagues.append(league)
    for game in games:
        finish(game, 10, 3)
    assert standings_queries(leagues[0]) == standings_queries(leagues[1])


def test_season_totals_are_cached_until_the_next_grading(django_assert_max_num_queries):
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    first = make_game(home="1H", away="1A", week=1, kickoff=NOW - timedelta(days=7))
    second = make_game(home="2H", away="2A", week=2, kickoff=NOW - timedelta(hours=3))
    make_pick(ann, first, "home"), make_pick(ann, second, "home")
    finish(first, 20, 17)
    assert season_standings(league).row_for(ann.pk).points == 1
    with django_assert_max_num_queries(3):  # members, grading version, live games: the totals come from the cache
        season_standings(league)

    finish(second, 21, 3)  # a new grading: a new version of the totals

    assert season_standings(league).row_for(ann.pk).points == 2


def test_season_standings_work_without_the_cache(monkeypatch):
    from picks import standings

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(standings.cache, "get", down)
    monkeypatch.setattr(standings.cache, "set", down)
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    game = make_game(kickoff=NOW - timedelta(hours=3))
    make_pick(ann, game, "away")
    finish(game, 3, 7)
    assert season_standings(league).row_for(ann.pk).points == 1


def test_current_week_is_the_next_to_finish_else_the_last_played():
    from picks.selectors import current_week

    league = make_league()
    assert current_week(league, NOW) is None
    done = make_game(home="1H", away="1A", week=1, kickoff=NOW - timedelta(days=3))
    set_result(done, home_score=1, away_score=0)
    make_game(home="2H", away="2A", week=2, kickoff=NOW + timedelta(days=4))
    assert current_week(league, NOW) == WEEK2
    make_game(home="SH", away="SA", week=1, kickoff=NOW - timedelta(days=30))  # stale "scheduled": ignored
    assert current_week(league, NOW) == WEEK2
    late = make_game(home="3H", away="3A", week=3, kickoff=NOW + timedelta(days=9), phase=Phase.FINAL)  # replay time
    assert current_week(league, NOW) == WEEK2
    set_result(late, home_score=3, away_score=0)
    Game.objects.filter(week=2).update(phase=Phase.FINAL)
    assert current_week(league, NOW) == Week(2, 3)
