"""What other sports keep on the game and as plays: MLB's situation, a shoot-out, soccer's key events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from espn.parsing import parse_summary
from games.ingest import ingest_snapshots
from games.models import Game, Play
from games.plays import store_plays
from tests.games.seed import payload, scoreboard_snapshots

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 12, 2, 0, tzinfo=UTC)
MLB_LIVE_DAY = "mlb/scoreboard-20250927-live-raindelay-mixed.json"
WORLD_CUP_FINAL_DAY = "soccer/fifa.world/replay-20260711-ENG-vs-NOR/scoreboard-05-20260712T0147Z-final-aet.json"


def test_a_live_baseball_game_keeps_its_count_outs_and_runners():
    ingest_snapshots(scoreboard_snapshots(MLB_LIVE_DAY, "baseball/mlb"), now=NOW)
    game = Game.objects.get(espn_id="401697317")  # live: 0-0 count, two out, a runner on first
    assert (game.balls, game.strikes, game.outs) == (0, 0, 2)
    assert (game.on_first, game.on_second, game.on_third) == (True, False, False)
    finished = Game.objects.filter(espn_league="baseball/mlb", phase="final").first()
    assert finished.outs is None and not finished.on_first


def test_a_shootout_keeps_its_score_and_winner_on_the_game():
    ingest_snapshots(scoreboard_snapshots(WORLD_CUP_FINAL_DAY, "soccer/fifa.world"), now=NOW)
    game = Game.objects.select_related("home_team", "away_team").get(espn_id="760489")  # FT-Pens
    assert game.status_name == "STATUS_FINAL_PEN"
    assert game.home_score == game.away_score
    shootout = {game.home_shootout_score, game.away_shootout_score}
    assert shootout == {3, 4}
    expected = game.home_team if game.home_shootout_score == 4 else game.away_team
    assert game.shootout_winner == expected
    assert game.winner is None  # a level match score: pick'em grading still sees a draw


def soccer_summary_with_key_events(espn_id: str) -> dict:
    """A soccer summary in ESPN's shape, from a real scoreboard event: its competition as the header, and
    its goals and cards (`details`, the scoreboard's copy of the summary's `keyEvents`) as key events."""
    board = payload(WORLD_CUP_FINAL_DAY)
    event = next(e for e in board["events"] if e["id"] == espn_id)
    competition = copy.deepcopy(event["competitions"][0])
    key_events = competition.pop("details")
    return {
        "header": {"id": espn_id, "season": event["season"], "competitions": [competition]},
        "keyEvents": key_events,
    }


def test_soccer_key_events_are_stored_as_plays():
    document = soccer_summary_with_key_events("760486")
    game_summary = parse_summary(document, "soccer/fifa.world")
    ingest_snapshots([game_summary.game], now=NOW)
    game = Game.objects.get(espn_id="760486")
    store_plays(game.pk, game_summary, now=NOW)
    plays = list(Play.objects.filter(game=game).order_by("sequence"))
    assert len(plays) == len(document["keyEvents"]) == 3
    assert [p.sequence for p in plays] == [1, 2, 3]
    first = plays[0]
    assert (first.type_text, first.clock, first.text) == ("Yellow Card", "54'", "Yellow Card: Nathan Saliba")
    goals = [e for e in document["keyEvents"] if e["scoringPlay"]]
    assert sum(p.scoring_play for p in plays) == len(goals)
