"""Plays as data: stored once from real recorded summaries, watermark, corrections, win probability."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games.ingest import ingest_snapshots
from games.models import Game, GameTracking, Play
from games.plays import new_since, store_plays
from tests.games.seed import summary

pytestmark = pytest.mark.django_db

NOW = datetime(2023, 9, 17, 20, 0, tzinfo=UTC)

FINALS = [
    ("nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json", "football/nfl"),
    ("nfl/summary-401671784-2024-wk05-DAL-at-PIT-final.json", "football/nfl"),
    ("nfl/summary-401671834-2024-wk18-CLE-at-BAL-final.json", "football/nfl"),
    ("nfl/summary-401772988-2025-postseason-wk05-superbowl-LX-SEA-at-NE-final.json", "football/nfl"),
    ("college-football/summary-400935250-2017-wk01-WASH-at-RUTG-final-nowallclock.json", "football/college-football"),
    ("college-football/summary-400935257-2017-wk01-STAN-at-RICE-final-nowallclock.json", "football/college-football"),
]


def game_of(game_summary) -> Game:
    ingest_snapshots([game_summary.game], now=NOW)
    return Game.objects.get(espn_id=game_summary.game.espn_id)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def statements(queries) -> list[str]:
    """SQL statements, a bulk insert split into SQLite's parameter-capped batches counted once."""
    heads: list[str] = []
    for query in queries:
        head = query["sql"][:60]
        if heads and head.startswith("INSERT") and heads[-1] == head:
            continue
        heads.append(head)
    return heads


@pytest.mark.parametrize(("relative", "espn_league"), FINALS)
def test_every_play_of_a_real_final_is_stored_once_however_often_fetched(relative, espn_league):
    game_summary = summary(relative, espn_league)
    game = game_of(game_summary)
    first = store_plays(game.pk, game_summary, now=NOW)
    assert len(first.added) == len(game_summary.plays) > 150
    with CaptureQueriesContext(connection) as again:
        second = store_plays(game.pk, game_summary, now=NOW)
    assert not second.changed and writes(again.captured_queries) == []
    assert Play.objects.filter(game=game).count() == len(game_summary.plays)
    tracking = GameTracking.objects.get(pk=game.pk)
    assert tracking.play_watermark == max(p.sequence for p in game_summary.plays)
    assert tracking.plays_stored == len(game_summary.plays)
    scoring = {p.espn_id for p in game_summary.scoring_plays}
    assert set(Play.objects.filter(game=game, scoring_play=True).values_list("espn_id", flat=True)) == scoring
    assert scoring  # every recorded final has touchdowns or field goals


def test_win_probability_is_stored_with_its_play():
    game_summary = summary()
    game = game_of(game_summary)
    store_plays(game.pk, game_summary, now=NOW)
    point = game_summary.win_probability[40]
    play = Play.objects.get(game=game, espn_id=point.play_espn_id)
    assert play.home_win_pct == pytest.approx(point.home_win_pct)
    assert Play.objects.filter(game=game, home_win_pct__isnull=False).count() >= len(game_summary.plays) - 2


def test_the_watermark_advances_and_a_fetch_writes_only_the_new_plays():
    game_summary = summary()
    game = game_of(game_summary)
    early = dataclasses.replace(game_summary, plays=game_summary.plays[:100])
    store_plays(game.pk, early, now=NOW)
    assert GameTracking.objects.get(pk=game.pk).play_watermark == game_summary.plays[99].sequence

    later = dataclasses.replace(game_summary, plays=game_summary.plays[:105])
    result = store_plays(game.pk, later, now=NOW)
    assert result.added == [p.sequence for p in game_summary.plays[100:105]]
    assert result.corrected == []
    assert GameTracking.objects.get(pk=game.pk).play_watermark == game_summary.plays[104].sequence


def test_a_corrected_play_is_updated_in_place():
    game_summary = summary()
    game = game_of(game_summary)
    store_plays(game.pk, game_summary, now=NOW)
    version = GameTracking.objects.get(pk=game.pk).plays_version
    plays = list(game_summary.plays)
    original = plays[60]
    plays[60] = dataclasses.replace(original, text="(corrected) " + original.text, home_score=original.home_score + 1)
    result = store_plays(game.pk, dataclasses.replace(game_summary, plays=tuple(plays)), now=NOW)
    assert result.added == [] and result.corrected == [original.sequence]
    row = Play.objects.get(game=game, sequence=original.sequence)
    assert row.text.startswith("(corrected) ") and row.home_score == original.home_score + 1
    assert Play.objects.filter(game=game).count() == len(plays)
    assert GameTracking.objects.get(pk=game.pk).plays_version == version + 1


def test_queries_do_not_grow_with_the_plays_of_a_fetch():
    game_summary = summary()
    game = game_of(game_summary)
    store_plays(game.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:20]), now=NOW)

    def fetch(upto: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            store_plays(game.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:upto]), now=NOW)
        return statements(queries.captured_queries)

    five_new = fetch(25)
    sixty_new = fetch(85)
    everything_else = fetch(len(game_summary.plays))
    assert len(five_new) == len(sixty_new) == len(everything_else) <= 6


def test_new_since_gives_the_last_plays_on_connect_then_only_what_is_new():
    game_summary = summary()
    game = game_of(game_summary)
    store_plays(game.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:120]), now=NOW)
    connect = new_since(game.pk, None)
    assert [p["sequence"] for p in connect["plays"]] == [p.sequence for p in game_summary.plays[70:120]]
    assert new_since(game.pk, connect["cursor"])["plays"] == []
    store_plays(game.pk, dataclasses.replace(game_summary, plays=game_summary.plays[:123]), now=NOW)
    news = new_since(game.pk, connect["cursor"])
    assert [p["sequence"] for p in news["plays"]] == [p.sequence for p in game_summary.plays[120:123]]
    assert news["cursor"] == news["watermark"] == game_summary.plays[122].sequence
