"""Chance to win: the counting on plain arrays, survivor's chance to survive, and a league's week."""

from datetime import timedelta
from itertools import product
from statistics import NormalDist

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from espn.snapshots import Phase
from picks.chance import (
    AWAY,
    HOME,
    ChanceProblem,
    ChoiceError,
    SurvivorGame,
    TotalForecast,
    forecast,
    remaining_fraction,
    survival_chances,
    week_chances,
    win_chances,
)
from picks.models import ScoringMode, WeeklyTiebreaker
from picks.weeks import Week

from .factories import NOW, entry_of, make_game, make_league, make_pick, make_user, set_result

WEEK1 = Week(2, 1)


def problem(picks_home, p_home, *, base=None, guesses=None, total=None, weights=None):
    """picks_home[i][j]: True when member i picked game j's home side."""
    picks = np.array(picks_home, dtype=bool)
    weights = np.ones(picks.shape) if weights is None else np.array(weights, dtype=float)
    return ChanceProblem(
        base=np.zeros(len(picks)) if base is None else np.array(base, dtype=float),
        gain_home=np.where(picks, weights, 0),
        gain_away=np.where(picks, 0, weights),
        p_home=np.array(p_home, dtype=float),
        guesses=np.full(len(picks), np.nan) if guesses is None else np.array(guesses, dtype=float),
        total=total,
    )


def brute_force(picks_home, p_home, base):
    """Chance of sole or shared first place by listing every outcome (no tiebreaker)."""
    chances = np.zeros(len(picks_home))
    for outcome in product((True, False), repeat=len(p_home)):
        weight = np.prod([p if home else 1 - p for p, home in zip(p_home, outcome, strict=True)])
        scores = [
            b + sum(pick == home for pick, home in zip(row, outcome, strict=True))
            for row, b in zip(picks_home, base, strict=True)
        ]
        top = [s == max(scores) for s in scores]
        chances += weight * np.array(top) / sum(top)
    return chances


def test_remaining_fraction_reads_the_period_and_clock():
    assert remaining_fraction(1, "15:00") == 1.0
    assert remaining_fraction(2, "0:00") == 0.5  # halftime
    assert remaining_fraction(4, "7:30") == pytest.approx(450 / 3600)
    assert remaining_fraction(5, "10:00") == 0.05  # overtime


@pytest.mark.django_db
def test_the_line_turns_into_a_win_probability_and_a_live_game_follows_score_clock_or_espn():
    favourite = make_game(spread="-3")  # home favoured by 3
    assert forecast(favourite).home_pick_wins() == pytest.approx(NormalDist().cdf(3 / 13.45))
    assert forecast(favourite).home_pick_wins(-3.0) == pytest.approx(0.5)  # covering the spread: a coin flip
    live = make_game(phase=Phase.LIVE, home_score=7, away_score=21, spread="-3")
    live.period, live.display_clock = 4, "2:00"
    assert forecast(live).home_pick_wins() < 0.01  # down 14 with two minutes left
    assert forecast(live, home_win_probability=0.3).home_pick_wins() == pytest.approx(0.3)
    final = set_result(make_game(), home_score=10, away_score=13)
    assert forecast(final).home_pick_wins() == 0.0


def test_exact_counting_matches_listing_every_outcome():
    picks = [[True, True, False], [False, True, True], [True, False, False], [False, False, True]]
    p_home = [0.7, 0.4, 0.55]
    chances, method = win_chances(problem(picks, p_home, base=[1, 1, 2, 0]))
    assert method == "exact"
    assert chances == pytest.approx(brute_force(picks, p_home, [1, 1, 2, 0]))
    assert chances.sum() == pytest.approx(1.0)


def test_many_games_are_sampled_with_a_seed_and_agree_with_the_exact_count():
    rng = np.random.default_rng(7)
    picks = rng.random((6, 13)) < 0.5
    p_home = rng.uniform(0.2, 0.8, 13)
    sampled, method = win_chances(problem(picks, p_home))
    assert method == "sampled"
    assert sampled == pytest.approx(brute_force(picks.tolist(), p_home, [0] * 6), abs=0.02)
    again, _ = win_chances(problem(picks, p_home))
    assert np.array_equal(sampled, again)  # the same state gives the same figures


def test_the_tiebreaker_parts_members_level_on_points():
    same = [[True], [True], [True]]
    known = win_chances(problem(same, [0.5], guesses=[40, 46, np.nan], total=TotalForecast(45.0, None)))[0]
    assert known.tolist() == [0.0, 1.0, 0.0]
    # An open total: the nearer guess to the expected 45 wins more often; no guess never wins a tie.
    open_total = win_chances(problem(same, [0.5], guesses=[40, 46, np.nan], total=TotalForecast(45.0, 10.0)))[0]
    assert open_total[1] > open_total[0] > 0 and open_total[2] == 0.0
    assert open_total.sum() == pytest.approx(1.0)
    # No guesses at all: co-winners share.
    assert win_chances(problem(same, [0.5]))[0] == pytest.approx([1 / 3] * 3)


def test_confidence_weights_count():
    # Ann puts 3 on game 1's home side and 1 on game 2's; Bob the reverse, on the away sides.
    chances, _ = win_chances(problem([[True, True], [False, False]], [0.9, 0.5], weights=[[3, 1], [1, 3]]))
    # Home-home: ann 4-0; home-away: 3-3, shared; away-home: 1-1, shared; away-away: bob 4-0.
    assert chances[0] == pytest.approx(0.45 + 0.45 / 2 + 0.05 / 2)
    assert chances.sum() == pytest.approx(1.0)


def test_survival_chances_on_plain_data():
    games = [
        SurvivorGame(home_team_id=1, away_team_id=2, home_wins=0.7, away_wins=0.3),
        SurvivorGame(home_team_id=3, away_team_id=4, home_wins=0.0, away_wins=0.0),  # a final tie: both lose
        SurvivorGame(home_team_id=5, away_team_id=6, home_wins=0.0, away_wins=0.0, void=True),
    ]
    chances = survival_chances({10: 1, 11: 2, 12: 3, 13: 6, 14: None}, games)
    assert chances == {10: 0.7, 11: 0.3, 12: 0.0, 13: 1.0, 14: 0.0}


def week_of_two_games(members: int, prefix: str = "m"):
    league = make_league(scoring=ScoringMode.STRAIGHT_UP)
    done = set_result(make_game(home="DH", away="DA", kickoff=NOW - timedelta(hours=4)), home_score=20, away_score=10)
    live = make_game(
        home="LH", away="LA", kickoff=NOW - timedelta(hours=1), phase=Phase.LIVE, home_score=3, away_score=0
    )
    live.period, live.display_clock = 2, "5:00"
    live.save()
    last = make_game(home="NH", away="NA", kickoff=NOW + timedelta(hours=3), spread="-7")
    entries = [entry_of(league, make_user(f"{prefix}{n}")) for n in range(members)]
    for n, entry in enumerate(entries):
        make_pick(entry, done, "home" if n % 2 == 0 else "away")
        make_pick(entry, live, "home" if n % 3 else "away")
        make_pick(entry, last, "home" if n % 4 else "away")
        WeeklyTiebreaker.objects.create(entry=entry, season_type=2, week=1, guess=30 + n)
    return league, entries, (done, live, last)


@pytest.mark.django_db
def test_a_leagues_week_chances_and_a_what_if():
    league, _entries, (_done, live, last) = week_of_two_games(4)
    chances = week_chances(league, WEEK1)
    by_name = {row.username: row for row in chances.rows}
    assert sum(row.week for row in chances.rows) == pytest.approx(1.0)
    assert by_name["m0"].points == 1 and by_name["m1"].points == 0
    assert chances.season_decided_this_week  # no other week has games left: the season's chance too
    assert [row.season for row in chances.rows] == pytest.approx([row.week for row in chances.rows])
    assert by_name["m0"].week > by_name["m1"].week  # m0 has the final game right
    # What if both open games go away: m0 picked away in both and leads alone.
    what_if = week_chances(league, WEEK1, chosen={str(live.pk): AWAY, last.pk: AWAY})
    rows = {row.username: row for row in what_if.rows}
    assert rows["m0"].if_chosen == 3 and rows["m0"].week == pytest.approx(1.0)
    assert what_if.rows[0].username == "m0"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "chosen, field",
    [({"x": HOME}, "outcomes.x"), ({"999999": HOME}, "outcomes.999999"), (None, "final"), (None, "side")],
)
def test_what_if_choices_are_validated_naming_the_game(chosen, field):
    league, _, (done, live, _) = week_of_two_games(2)
    if field == "final":
        chosen, field = {done.pk: HOME}, f"outcomes.{done.pk}"
    if field == "side":
        chosen, field = {live.pk: "draw"}, f"outcomes.{live.pk}"
    with pytest.raises(ChoiceError) as raised:
        week_chances(league, WEEK1, chosen=chosen)
    assert raised.value.field == field


@pytest.mark.django_db
def test_week_chances_take_as_many_queries_for_30_members_as_for_3():
    def count(members):
        league, _, _ = week_of_two_games(members, prefix=f"q{members}-")
        with CaptureQueriesContext(connection) as queries:
            week_chances(league, WEEK1)
        return len(queries)

    assert count(30) == count(3)


@pytest.mark.django_db
def test_a_live_game_uses_espns_latest_win_probability_when_the_app_has_one():
    from games.models import Play

    league, _, (_, live, _) = week_of_two_games(2, prefix="wp")
    modelled = week_chances(league, WEEK1).home_pick_wins[live.pk]
    for sequence, pct in ((1, 0.9), (2, 0.25), (3, None)):  # the latest play with a figure counts
        Play.objects.create(
            game=live, sequence=sequence, home_win_pct=pct, content_hash="x", stored_at=NOW, updated_at=NOW
        )
    assert week_chances(league, WEEK1).home_pick_wins[live.pk] == pytest.approx(0.25)
    assert modelled > 0.5  # without it: home leads 3-0 before halftime


@pytest.mark.parametrize("games, method", [(1, "exact"), (13, "sampled")])
def test_members_level_on_points_are_parted_by_the_open_total(games, method):
    # Everyone picks alike: the tiebreaker alone decides. T ~ Normal(45, 10): the guess of 40 wins
    # below 42.5, 45 between 42.5 and 48.5, 52 above.
    same = [[True] * games] * 3
    chances, counted = win_chances(problem(same, [0.6] * games, guesses=[40, 45, 52], total=TotalForecast(45.0, 10.0)))
    cdf = NormalDist(45, 10).cdf
    assert counted == method
    assert chances == pytest.approx([cdf(42.5), cdf(48.5) - cdf(42.5), 1 - cdf(48.5)], abs=0.02)


@pytest.mark.django_db
def test_survivor_games_from_the_games_state():
    from picks.chance import survivor_game

    tie = set_result(make_game(home="TH", away="TA"), home_score=20, away_score=20)
    postponed = set_result(make_game(home="PH", away="PA"), phase=Phase.POSTPONED)
    favourite = make_game(home="FH", away="FA", spread="-7")
    games = [survivor_game(tie), survivor_game(postponed), survivor_game(favourite)]
    chances = survival_chances(
        {1: tie.home_team_id, 2: postponed.away_team_id, 3: favourite.home_team_id, 4: favourite.away_team_id}, games
    )
    assert chances[1] == 0.0 and chances[2] == 1.0  # a tie is a loss; a void game is survived
    assert chances[3] == pytest.approx(NormalDist().cdf(7 / 13.45)) and chances[3] + chances[4] == pytest.approx(1.0)
