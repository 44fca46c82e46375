"""games/presenters.py's period names and win-probability chart: worked out once on the server, only
shown by the page and game.js (which used to work out both again, differently)."""

from __future__ import annotations

import pytest

from games.presenters import (
    linescore_labels,
    period_labels,
    period_name,
    win_probability_caption,
    win_probability_chart,
)


@pytest.mark.parametrize(
    ("espn_league", "count", "labels"),
    [
        ("football/nfl", 0, []),
        ("football/nfl", 4, ["1", "2", "3", "4"]),
        ("football/nfl", 5, ["1", "2", "3", "4", "OT"]),
        ("basketball/nba", 7, ["1", "2", "3", "4", "OT1", "OT2", "OT3"]),
        ("hockey/nhl", 4, ["1", "2", "3", "OT"]),
        ("baseball/mlb", 10, [str(n) for n in range(1, 11)]),  # no regulation known: by number
        ("soccer/eng.1", 2, ["1", "2"]),
    ],
)
def test_period_labels(espn_league, count, labels):
    assert period_labels(espn_league, count) == labels


def test_the_charts_period_labels_carry_the_sports_prefix_on_numbered_periods():
    assert period_labels("football/nfl", 6, prefixed=True) == ["Q1", "Q2", "Q3", "Q4", "OT1", "OT2"]
    assert period_labels("hockey/nhl", 4, prefixed=True) == ["P1", "P2", "P3", "OT"]
    assert period_labels("baseball/mlb", 2, prefixed=True) == ["1", "2"]


def side(abbreviation: str, name: str, score: int | None, linescores: list[int]) -> dict:
    return {"abbreviation": abbreviation, "display_name": name, "score": score, "linescores": linescores}


def game(phase: str, away_score: int | None, home_score: int | None, *, espn_league: str = "football/nfl") -> dict:
    return {
        "espn_league": espn_league,
        "status": {"phase": phase},
        "away": side("GB", "Green Bay Packers", away_score, [7, 3, 0, 14, 3]),
        "home": side("ATL", "Atlanta Falcons", home_score, [3, 6, 3, 13]),
    }


def point(home: float, period: int = 4) -> dict:
    return {"play_id": "1", "period": period, "clock": "0:10", "home": home}


def test_linescore_labels_follow_the_team_with_more_periods():
    assert linescore_labels(game("final", 27, 25)) == ["1", "2", "3", "4", "OT"]


def test_the_caption_names_the_winner_once_final_else_the_latest_chances():
    assert (
        win_probability_caption(game("final", 24, 25), [point(0.99)]) == "Final: Atlanta Falcons won 25\N{EN DASH}24."
    )
    assert win_probability_caption(game("final", 25, 24), []) == "Final: Green Bay Packers won 25\N{EN DASH}24."
    assert win_probability_caption(game("final", 20, 20), [point(0.5)]) == "Final: tied 20\N{EN DASH}20."
    live = game("live", 14, 10)
    assert win_probability_caption(live, [point(0.2), point(0.624)]) == "After the latest play: ATL 62%, GB 38% to win."
    assert win_probability_caption(live, []) == ""


def test_the_charts_axis_spans_regulation_and_any_overtime_played():
    live = game("live", 7, 3)
    assert win_probability_chart(live, [])["period_labels"] == ["Q1", "Q2", "Q3", "Q4"]
    assert win_probability_chart(live, [point(0.5, period=1)])["period_labels"] == ["Q1", "Q2", "Q3", "Q4"]
    overtime = win_probability_chart(live, [point(0.5, period=2), point(0.4, period=5)])
    assert overtime == {
        "caption": "After the latest play: ATL 40%, GB 60% to win.",
        "period_labels": ["Q1", "Q2", "Q3", "Q4", "OT"],
    }
    unknown_clock = game("live", 1, 0, espn_league="baseball/mlb")
    assert win_probability_chart(unknown_clock, [point(0.5, period=3)])["period_labels"] == ["1", "2", "3"]


def test_a_period_is_named_by_the_game_it_belongs_to():
    assert period_name("football/nfl", 5, periods=5, prefixed=True) == "OT"  # the only overtime
    assert period_name("football/nfl", 5, periods=6, prefixed=True) == "OT1"  # the first of two
    assert period_name("hockey/nhl", 2, periods=3, prefixed=True) == "P2"
    assert period_name("football/nfl", 2, periods=4) == "2"
    assert period_name("baseball/mlb", 11, periods=11, prefixed=True) == "11"  # regulation not known
