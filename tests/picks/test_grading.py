from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from espn.snapshots import Phase
from games.signals import game_results_changed
from picks.grading import (
    freeze_lines_at_lock,
    games_needing_grading,
    grade_game,
    grade_missed_games,
    side_results,
)
from picks.lines import publication_moment
from picks.models import (
    CorrectedPick,
    Entry,
    GameGrading,
    GameLine,
    Pick,
    PickemLeague,
    PickResult,
    PublishedLine,
    ScoringMode,
)
from tests.celery_queue import run_queued_grading

from .factories import (
    NOW,
    entry_of,
    line_at_lock,
    make_game,
    make_league,
    make_pick,
    make_team,
    make_user,
    set_result,
)

pytestmark = pytest.mark.django_db

WIN, LOSS, PUSH, VOID = PickResult.WIN, PickResult.LOSS, PickResult.PUSH, PickResult.VOID


@pytest.mark.parametrize(
    ("home", "away", "line", "expected"),
    [
        (24, 20, None, (WIN, LOSS)),
        (17, 21, None, (LOSS, WIN)),
        (20, 20, None, (PUSH, PUSH)),
        (24, 17, Decimal("-3.5"), (WIN, LOSS)),  # home favoured by 3.5 wins by 7: covers
        (24, 21, Decimal("-3"), (PUSH, PUSH)),  # wins by exactly the line
        (24, 22, Decimal("-3"), (LOSS, WIN)),  # favourite wins but does not cover
        (20, 23, Decimal("6.5"), (WIN, LOSS)),  # home underdog loses by 3: covers +6.5
        (20, 20, Decimal("0"), (PUSH, PUSH)),
    ],
)
def test_side_results_straight_up_and_against_the_line(home, away, line, expected):
    assert side_results(home, away, line) == expected


def graded(pick: Pick) -> tuple[str, int]:
    pick.refresh_from_db()
    return pick.result, pick.points


def test_final_game_grades_every_pick_win_or_loss_with_one_point_straight_up():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    home_pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    away_pick = make_pick(entry_of(league, make_user("bob")), game, "away")
    set_result(game, home_score=27, away_score=10)

    result = grade_game(game.pk, now=NOW)

    assert (result.outcome, result.picks_graded) == ("final", 2)
    assert graded(home_pick) == (WIN, 1)
    assert graded(away_pick) == (LOSS, 0)
    assert home_pick.graded_at == NOW
    grading = GameGrading.objects.get(game=game)
    assert (grading.home_score, grading.away_score, grading.times_graded) == (27, 10, 1)


def test_a_tie_is_a_push_worth_nothing():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, home_score=20, away_score=20)
    grade_game(game.pk, now=NOW)
    assert graded(pick) == (PUSH, 0)


def test_confidence_league_scores_the_weight_of_a_correct_pick():
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    game = make_game(kickoff=NOW - timedelta(hours=4))
    right = make_pick(entry_of(league, make_user("ann")), game, "away", confidence=7)
    wrong = make_pick(entry_of(league, make_user("bob")), game, "home", confidence=9)
    set_result(game, home_score=3, away_score=14)
    grade_game(game.pk, now=NOW)
    assert graded(right) == (WIN, 7)
    assert graded(wrong) == (LOSS, 0)


def test_one_game_is_graded_by_each_league_rules():
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-7.5")
    straight = make_league(name="straight")
    spread = make_league(name="spread", against_spread=True)
    weighted_spread = make_league(name="both", scoring=ScoringMode.CONFIDENCE, against_spread=True)
    ann = make_user("ann")
    picks = {
        "straight": make_pick(entry_of(straight, ann), game, "home"),
        "spread": make_pick(entry_of(spread, ann), game, "home"),
        "both": make_pick(entry_of(weighted_spread, ann), game, "away", confidence=4),
    }
    set_result(game, home_score=24, away_score=20)  # home wins by 4, does not cover 7.5

    grade_game(game.pk, now=NOW)

    assert graded(picks["straight"]) == (WIN, 1)
    assert graded(picks["spread"]) == (LOSS, 0)
    assert graded(picks["both"]) == (WIN, 4)
    assert line_at_lock(picks["spread"]) == Decimal("-7.5")


def test_against_the_spread_uses_the_line_frozen_at_lock_never_the_line_after():
    league = make_league(against_spread=True)
    game = make_game(kickoff=NOW + timedelta(minutes=30), spread="-3")
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    assert freeze_lines_at_lock(now=NOW) == 0  # not locked yet: nothing to freeze

    assert freeze_lines_at_lock(now=game.kickoff) == 1  # kickoff: the line freezes at -3
    game.spread = Decimal("-10")  # a later line (say from a live summary) must not count
    game.save(update_fields=["spread"])
    assert freeze_lines_at_lock(now=game.kickoff + timedelta(minutes=5)) == 0
    set_result(game, home_score=24, away_score=20)

    grade_game(game.pk, now=NOW)

    assert graded(pick) == (WIN, 1)  # by 4: covers -3 (it would not cover -10)
    assert line_at_lock(pick) == Decimal("-3")
    assert GameLine.objects.get(game=game).spread == Decimal("-3")


def test_against_the_spread_without_a_line_grades_straight_up():
    league = make_league(against_spread=True)
    game = make_game(kickoff=NOW - timedelta(hours=4), spread=None)
    pick = make_pick(entry_of(league, make_user("ann")), game, "away")
    set_result(game, home_score=10, away_score=13)
    grade_game(game.pk, now=NOW)
    assert graded(pick) == (WIN, 1)
    assert line_at_lock(pick) is None


def test_grading_twice_grades_nothing_the_second_time():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, home_score=27, away_score=10)
    grade_game(game.pk, now=NOW)

    again = grade_game(game.pk, now=NOW + timedelta(minutes=1))

    assert again.picks_graded == 0
    assert again.skipped == "already graded on this result"
    pick.refresh_from_db()
    assert pick.graded_at == NOW
    assert GameGrading.objects.get(game=game).times_graded == 1


def test_an_espn_score_correction_regrades_the_game():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    home_pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    away_pick = make_pick(entry_of(league, make_user("bob")), game, "away")
    set_result(game, home_score=20, away_score=17)
    grade_game(game.pk, now=NOW)
    assert graded(home_pick) == (WIN, 1)

    set_result(game, home_score=20, away_score=23)  # ESPN corrects the final score
    result = grade_game(game.pk, now=NOW + timedelta(hours=1))

    assert result.picks_graded == 2
    assert graded(home_pick) == (LOSS, 0)
    assert graded(away_pick) == (WIN, 1)
    grading = GameGrading.objects.get(game=game)
    assert (grading.home_score, grading.away_score, grading.times_graded) == (20, 23, 2)


@pytest.mark.parametrize("phase", [Phase.POSTPONED, Phase.CANCELED])
def test_postponed_or_cancelled_game_voids_its_picks(phase):
    league = make_league(scoring=ScoringMode.CONFIDENCE)
    game = make_game(kickoff=NOW + timedelta(hours=1))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home", confidence=3)
    set_result(game, phase=phase)

    result = grade_game(game.pk, now=NOW)

    assert (result.outcome, result.picks_graded) == ("void", 1)
    assert graded(pick) == (VOID, 0)
    assert grade_game(game.pk, now=NOW).picks_graded == 0  # voided once


def test_a_voided_game_played_later_is_graded_on_its_final():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    set_result(game, phase=Phase.POSTPONED)
    grade_game(game.pk, now=NOW)
    set_result(game, home_score=30, away_score=3)
    grade_game(game.pk, now=NOW + timedelta(days=2))
    assert graded(pick) == (WIN, 1)


def test_live_or_scheduled_game_is_not_graded():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=7, away_score=0)
    pick = make_pick(entry_of(league, make_user("ann")), game, "home")
    assert grade_game(game.pk, now=NOW).skipped == "game is live"
    assert graded(pick) == (PickResult.PENDING, 0)
    assert not GameGrading.objects.exists()


def test_a_pick_on_a_team_no_longer_in_the_game_is_void():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    stray = make_pick(entry_of(league, make_user("ann")), game, make_team("OLD"))
    set_result(game, home_score=10, away_score=7)
    grade_game(game.pk, now=NOW)
    assert graded(stray) == (VOID, 0)


def test_force_regrades_even_when_already_graded():
    league = make_league()
    game = make_game(kickoff=NOW - timedelta(hours=4))
    set_result(game, home_score=10, away_score=7)
    grade_game(game.pk, now=NOW)
    late = make_pick(entry_of(league, make_user("ann")), game, "home")  # added behind the rules' back
    assert grade_game(game.pk, now=NOW).picks_graded == 0
    assert grade_game(game.pk, now=NOW, force=True).picks_graded == 1
    assert graded(late) == (WIN, 1)


def many_picks(game, count: int) -> None:
    """`count` members over `count // 50 + 1` leagues of each kind, each with a pick on the game."""
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"m{game.pk}-{i}", password="!") for i in range(count)])
    leagues = [
        make_league(
            name=f"l{i}",
            against_spread=i % 2 == 1,
            scoring=ScoringMode.CONFIDENCE if i % 3 else "straight_up",
        )
        for i in range(count // 50 + 2)
    ]
    entries = Entry.objects.bulk_create(
        [Entry(league=leagues[i % len(leagues)], user=u, name=u.username) for i, u in enumerate(users)]
    )
    Pick.objects.bulk_create(
        Pick(
            entry=entry,
            game=game,
            team_id=game.home_team_id if i % 2 else game.away_team_id,
            confidence=1 if entry.league.uses_confidence else None,
            season_type=game.season_type,
            week=game.week,
        )
        for i, entry in enumerate(entries)
    )


def queries_to_grade(game) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = grade_game(game.pk, now=NOW)
    assert result.picks_graded == Pick.objects.filter(game=game).count()
    return len(captured.captured_queries)


def test_grading_takes_as_many_queries_for_500_picks_as_for_10():
    small = make_game(home="SMH", away="SMA", kickoff=NOW - timedelta(hours=4), spread="-3")
    large = make_game(home="LGH", away="LGA", kickoff=NOW - timedelta(hours=4), spread="-3")
    many_picks(small, 10)
    many_picks(large, 500)
    set_result(small, home_score=21, away_score=20)
    set_result(large, home_score=21, away_score=20)

    assert queries_to_grade(small) == queries_to_grade(large)
    assert Pick.objects.filter(game=large, result=PickResult.PENDING).count() == 0

    # ESPN corrects both scores: the regrade and its audit record cost the same at both sizes.
    set_result(small, home_score=17, away_score=20)
    set_result(large, home_score=17, away_score=20)
    assert queries_to_grade(small) == queries_to_grade(large)
    # Straight up every result flips; against the home -3 line, a 1-point win and a 3-point loss both lose.
    straight_up = Pick.objects.filter(game=large, entry__league__against_spread=False).count()
    assert 0 < straight_up < 500
    assert CorrectedPick.objects.filter(correction__game=large).count() == straight_up


def test_signal_from_ingest_queues_one_grading_task_for_final_corrected_and_voided_games():
    league = make_league()
    final = make_game(home="FH", away="FA", kickoff=NOW - timedelta(hours=4))
    voided = make_game(home="VH", away="VA", kickoff=NOW + timedelta(hours=4))
    ann = entry_of(league, make_user("ann"))
    final_pick, void_pick = make_pick(ann, final, "away"), make_pick(ann, voided, "home")
    set_result(final, home_score=0, away_score=3)
    set_result(voided, phase=Phase.CANCELED)

    game_results_changed.send(sender=None, final_ids=[final.pk], corrected_ids=[], voided_ids=[voided.pk])

    assert graded(final_pick) == (PickResult.PENDING, 0)  # not in the poll: a worker grades
    assert run_queued_grading() == [[final.pk, voided.pk]]
    assert graded(final_pick) == (WIN, 1)
    assert graded(void_pick) == (VOID, 0)


def test_sweep_finds_settled_games_whose_grading_is_missing_or_stale():
    league = make_league()
    ann = entry_of(league, make_user("ann"))
    missed = make_game(home="MH", away="MA", kickoff=NOW - timedelta(hours=4))
    corrected = make_game(home="CH", away="CA", kickoff=NOW - timedelta(hours=4))
    up_to_date = make_game(home="UH", away="UA", kickoff=NOW - timedelta(hours=4))
    without_picks = make_game(home="NH", away="NA", kickoff=NOW - timedelta(hours=4))
    for game in (missed, corrected, up_to_date):
        make_pick(ann, game, "home")
    for game in (missed, corrected, up_to_date, without_picks):
        set_result(game, home_score=14, away_score=7)
    grade_game(corrected.pk, now=NOW)
    grade_game(up_to_date.pk, now=NOW)
    set_result(corrected, home_score=14, away_score=17)

    assert games_needing_grading() == sorted([missed.pk, corrected.pk])
    assert {r.game_id for r in grade_missed_games(now=NOW) if r.picks_graded} == {missed.pk, corrected.pk}
    assert games_needing_grading() == []


def test_one_update_grades_a_game_whatever_the_leagues_rules():
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-7.5")
    ann = make_user("ann")
    for name, against_spread in (("straight", False), ("spread", True)):
        make_pick(entry_of(make_league(name=name, against_spread=against_spread), ann), game, "home")
    set_result(game, home_score=24, away_score=20)  # the rules disagree: a straight-up win, a loss against -7.5

    with CaptureQueriesContext(connection) as captured:
        grade_game(game.pk, now=NOW)

    pick_table = Pick._meta.db_table
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE") and pick_table in q["sql"]]
    assert len(updates) == 1  # one pass over the picks, never one per rule
    assert sorted(Pick.objects.values_list("entry__league__name", "result")) == [("spread", LOSS), ("straight", WIN)]


def test_a_regrade_rewrites_only_the_picks_whose_grade_changes():
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-3")
    straight, spread = make_league(name="straight"), make_league(name="spread", against_spread=True)
    ann, bob = make_user("ann"), make_user("bob")
    flips = make_pick(entry_of(straight, ann), game, "home")
    stays = make_pick(entry_of(spread, bob), game, "home")
    set_result(game, home_score=21, away_score=20)  # home wins by 1: a straight-up win, a loss against -3
    grade_game(game.pk, now=NOW)

    set_result(game, home_score=17, away_score=20)  # corrected: a loss both ways
    result = grade_game(game.pk, now=NOW + timedelta(hours=1))

    assert result.picks_graded == 2  # the grading covers every pick of the game...
    assert graded(flips) == (LOSS, 0)
    assert flips.graded_at == NOW + timedelta(hours=1)
    assert graded(stays) == (LOSS, 0)
    assert stays.graded_at == NOW  # ...but leaves alone the one it would rewrite to the same grade
    assert list(CorrectedPick.objects.values_list("entry__user__username", "old_result", "new_result")) == [
        ("ann", WIN, LOSS)
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="HOT updates: run with DATABASE_URL=postgres://...")
def test_grading_a_game_whose_picks_fill_their_pages_adds_no_index_entry():
    # Picks written in a row (as a game's picks often are) fill pages with picks of that game alone:
    # each page must hold a second version of every row for grading to skip the indexes (HOT).
    game = make_game(home="HTH", away="HTA", kickoff=NOW - timedelta(hours=4), spread="-3")
    many_picks(game, 500)
    set_result(game, home_score=21, away_score=20)  # the rules disagree: every pick is rewritten once

    def updates() -> tuple[int, int]:  # row updates, of which HOT, counted by PostgreSQL in this backend
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
                [Pick._meta.db_table],
            )
            return cursor.fetchone()

    before = updates()
    grade_game(game.pk, now=NOW)
    after = updates()

    assert (after[0] - before[0], after[1] - before[1]) == (500, 500)


def test_one_update_grades_every_line_a_game_is_picked_on_and_a_regrade_writes_only_what_changes():
    # Straight up; against the kickoff line (-4); against the lines published Tuesday noon (-7) and
    # Wednesday 09:30 (-1); a kept pick whose postponed game was moved to another week.
    game = make_game(kickoff=NOW - timedelta(hours=4), spread="-4")
    for weekday, at, spread in ((1, time(12, 0), "-7"), (2, time(9, 30), "-1")):
        moment = publication_moment(game.kickoff, weekday=weekday, at=at)
        PublishedLine.objects.create(game=game, published_at=moment, spread=Decimal(spread))
    leagues = {
        "straight": make_league(name="straight"),
        "kickoff": make_league(name="kickoff", against_spread=True),
        "tuesday": make_league(name="tuesday", against_spread=True),
        "wednesday": make_league(name="wednesday", against_spread=True),
        "kept": make_league(name="kept"),
    }
    PickemLeague.objects.filter(pk__in=[leagues["tuesday"].pk, leagues["wednesday"].pk]).update(line_lock="weekly")
    PickemLeague.objects.filter(pk=leagues["wednesday"].pk).update(line_weekday=2, line_time=time(9, 30))
    PickemLeague.objects.filter(pk=leagues["kept"].pk).update(postponed_games="keep_same_week")
    picks = {name: make_pick(entry_of(league, make_user(name)), game, "home") for name, league in leagues.items()}
    game.week = 2  # rescheduled into the next week: the kept pick (made in week 1) is void after all
    game.save(update_fields=["week"])
    set_result(game, home_score=24, away_score=20)  # home by 4

    def pick_updates(captured) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'UPDATE "{Pick._meta.db_table}"')]

    with CaptureQueriesContext(connection) as captured:
        grade_game(game.pk, now=NOW)

    assert len(pick_updates(captured)) == 1
    grades = {name: (*graded(pick), line_at_lock(pick)) for name, pick in picks.items()}
    assert grades == {
        "straight": (WIN, 1, Decimal("-4")),
        "kickoff": (PUSH, 0, Decimal("-4")),
        "tuesday": (LOSS, 0, Decimal("-7")),
        "wednesday": (WIN, 1, Decimal("-1")),
        "kept": (VOID, 0, Decimal("-4")),
    }

    set_result(game, home_score=17, away_score=20)  # corrected: home loses by 3, a loss on every line
    later = NOW + timedelta(hours=1)
    with CaptureQueriesContext(connection) as captured:
        grade_game(game.pk, now=later)

    assert len(pick_updates(captured)) == 1
    rewritten = {name: (*graded(pick), pick.graded_at) for name, pick in picks.items()}
    assert rewritten == {
        "straight": (LOSS, 0, later),
        "kickoff": (LOSS, 0, later),
        "tuesday": (LOSS, 0, NOW),  # the same grade: left alone
        "wednesday": (LOSS, 0, later),
        "kept": (VOID, 0, NOW),
    }
    corrected = CorrectedPick.objects.values_list("entry__user__username", "old_result", "new_result")
    assert sorted(corrected) == [("kickoff", PUSH, LOSS), ("straight", WIN, LOSS), ("wednesday", WIN, LOSS)]
