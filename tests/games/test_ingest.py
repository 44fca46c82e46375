"""Ingest of snapshots from every sport's real scoreboard: tracking another sport is configuration."""

from datetime import UTC, datetime

import pytest

from espn.parsing import parse_scoreboard
from espn.snapshots import Phase
from games.ingest import ingest_snapshots, merge_snapshots
from games.models import Game, Team
from tests.espn_fixtures import load_fixture

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fixture", "espn_league", "games"),
    [
        ("nba/scoreboard-20241215-final.json", "basketball/nba", 7),
        ("nhl/scoreboard-20220925-preseason-live-finalOT-mixed.json", "hockey/nhl", None),
        ("mlb/scoreboard-20250927-live-raindelay-mixed.json", "baseball/mlb", None),
        ("soccer/eng.1/scoreboard-20250927-fulltime-and-pre.json", "soccer/eng.1", None),
        ("soccer/all/scoreboard-20260321-multileague-fulltime-postponed.json", "soccer/all", None),
    ],
)
def test_other_sports_ingest_like_football(fixture, espn_league, games):
    payload = load_fixture(fixture)
    scoreboard = parse_scoreboard(payload, espn_league)
    expected = games if games is not None else len(payload["events"])

    first = ingest_snapshots(scoreboard.games, now=NOW)
    again = ingest_snapshots(scoreboard.games, now=NOW)

    assert len(first.created) == expected == Game.objects.filter(espn_league=espn_league).count()
    assert again.changed == []


def test_postponed_soccer_matches_are_recorded_postponed():
    scoreboard = parse_scoreboard(
        load_fixture("soccer/all/scoreboard-20260321-multileague-fulltime-postponed.json"), "soccer/all"
    )
    result = ingest_snapshots(scoreboard.games, now=NOW)

    postponed = Game.objects.filter(phase=Phase.POSTPONED)
    assert postponed.exists()
    assert set(result.voided) == set(postponed.values_list("espn_id", flat=True))
    assert not set(result.went_final) & set(result.voided)


def test_placeholder_teams_are_stored_as_placeholders():
    scoreboard = parse_scoreboard(
        load_fixture("soccer/fifa.world/replay-20260711-ENG-vs-NOR/scoreboard-01-20260711T2049Z-pre.json"),
        "soccer/fifa.world",
    )
    ingest_snapshots(scoreboard.games, now=NOW)

    placeholders = Team.objects.filter(is_placeholder=True)
    assert placeholders.exists()
    assert all(team.espn_id.startswith("tbd-") for team in placeholders)


def test_the_same_game_from_two_days_keeps_the_further_along_report():
    boards = [
        load_fixture("soccer/fifa.world/replay-20260711-ENG-vs-NOR/scoreboard-02-20260711T2139Z-first-half-38min.json"),
        load_fixture("soccer/fifa.world/replay-20260711-ENG-vs-NOR/scoreboard-05-20260712T0147Z-final-aet.json"),
    ]
    first_half, final = (parse_scoreboard(b, "soccer/fifa.world").games for b in boards)
    live_then = {g.espn_id for g in first_half if g.status.phase == Phase.LIVE}
    ids = live_then & {g.espn_id for g in final if g.status.phase == Phase.FINAL}
    assert ids  # England v Norway: live at 38 minutes, then final after extra time

    merged = {g.espn_id: g for g in merge_snapshots([*final, *first_half])}

    assert all(merged[i].status.phase == Phase.FINAL for i in ids)
