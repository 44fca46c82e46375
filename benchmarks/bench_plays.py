"""Plays benchmark: store a whole game's plays from one real summary, then one incremental fetch of 5 plays.

    python benchmarks/bench_plays.py            # SQLite, or PostgreSQL with DATABASE_URL

Two recorded finals: an NFL game (179 plays, football's drives) and an NBA game (474 plays in
a flat `plays` list, the shape MLB's ~550-play summaries have; no MLB summary is recorded).
Prints the median time and the SQL queries of each, then what a live game page downloads per
minute: before (the whole game with up to 500 plays every 15 s) and now (the game without its
plays, and the plays after the last one shown, 304 when there are none). It runs in a
throwaway test database (created and dropped like the test suite's).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from espn.parsing import parse_summary_bytes  # noqa: E402
from games.ingest import ingest_snapshots  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "espn"
GAMES = (
    ("NFL", "football/nfl", FIXTURES / "nfl" / "summary-401671834-2024-wk18-CLE-at-BAL-final.json"),
    ("NBA", "basketball/nba", FIXTURES / "nba" / "summary-401585135-20240108-BOS-at-IND-final.json"),
)
NOW = datetime(2024, 1, 8, 3, 0, tzinfo=UTC)
RUNS = 9
POLLS_PER_MINUTE = 4  # the game page polls every 15 s while the game is live


def reset(game_id: int) -> None:
    from games.models import GameTracking, Play

    Play.objects.filter(game_id=game_id).delete()
    GameTracking.objects.filter(pk=game_id).update(play_watermark=None, plays_stored=0, plays_version=0)


def measure(game_id: int, before, after) -> tuple[float, int]:
    """Median ms and queries of storing `after` with `before` already stored."""
    from games.plays import store_plays

    times, queries = [], 0
    for _ in range(RUNS):
        reset(game_id)
        if before is not None:
            store_plays(game_id, before, now=NOW)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            store_plays(game_id, after, now=NOW)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured.captured_queries)
    return statistics.median(times), queries


def page_bytes(game_id: int, summary) -> None:
    """A live game page's downloads per minute, half-way through the game, a new play every 30 s."""
    from django.test import Client

    from games.plays import store_plays

    reset(game_id)
    half = len(summary.plays) // 2
    store_plays(game_id, dataclasses.replace(summary, plays=summary.plays[:half]), now=NOW)
    client = Client()
    before = len(client.get(f"/api/games/{game_id}/", {"plays": 500}).content)
    state = len(client.get(f"/api/games/{game_id}/", {"plays": 0}).content)
    cursor = summary.plays[half - 1].sequence
    nothing = client.get(f"/api/games/{game_id}/plays/", {"after_seq": cursor, "limit": 500})
    not_modified = client.get(
        f"/api/games/{game_id}/plays/",
        {"after_seq": cursor, "limit": 500},
        HTTP_IF_NONE_MATCH=nothing["ETag"],
    )
    assert not_modified.status_code == 304
    store_plays(game_id, dataclasses.replace(summary, plays=summary.plays[: half + 1]), now=NOW)
    one_play = len(client.get(f"/api/games/{game_id}/plays/", {"after_seq": cursor, "limit": 500}).content)
    now_per_minute = POLLS_PER_MINUTE * state + 2 * one_play  # two polls bring a play, two answer 304
    print(
        f"  game page, live, {half} plays so far: before {POLLS_PER_MINUTE * before / 1000:.1f} KB/min "
        f"({before / 1000:.1f} KB each 15 s); now {now_per_minute / 1000:.1f} KB/min "
        f"(game without plays {state / 1000:.1f} KB, one new play {one_play} B, nothing new: 304 with no body)"
    )


def main() -> None:
    logging.disable(logging.INFO)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic for a benchmark
    from games.signals import game_results_changed

    game_results_changed.disconnect(dispatch_uid="picks.grade_announced_games")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    print(f"database: {connection.vendor}")
    try:
        from games.models import Game

        for label, espn_league, path in GAMES:
            summary = parse_summary_bytes(path.read_bytes(), espn_league)
            ingest_snapshots([summary.game], now=NOW)
            game_id = Game.objects.get(espn_id=summary.game.espn_id).pk
            count = len(summary.plays)
            whole_ms, whole_queries = measure(game_id, None, summary)
            without_last = dataclasses.replace(summary, plays=summary.plays[:-5])
            step_ms, step_queries = measure(game_id, without_last, summary)
            again_ms, again_queries = measure(game_id, summary, summary)
            print(
                f"{label} ({count} plays): whole game {whole_ms:.1f} ms ({whole_queries} queries); "
                f"5 new plays {step_ms:.1f} ms ({step_queries} queries); "
                f"nothing new {again_ms:.1f} ms ({again_queries} queries)"
            )
            page_bytes(game_id, summary)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
