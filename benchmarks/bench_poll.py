"""Poll benchmark: parse a real 1 MB ESPN scoreboard, then ingest 150 games new, changed and unchanged.

    python benchmarks/bench_poll.py            # SQLite, or PostgreSQL with DATABASE_URL

Prints times, SQL query counts and peak memory. It runs in a throwaway test database
(created and dropped like the test suite's). A benchmark, not a test: the figures are
for reading (the poll's query count must stay flat as games grow).
"""

from __future__ import annotations

import copy
import logging
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from espn.parsing import parse_scoreboard, parse_scoreboard_bytes  # noqa: E402
from games.ingest import ingest_snapshots  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "espn"
BIG_BOARD = FIXTURES / "college-football" / "scoreboard-2022-wk03-20220917-fbs-groups80-live-mixed.json"
NOW = datetime(2022, 9, 17, 20, 0, tzinfo=UTC)


def median_ms(func, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def games_150():
    """150 distinct games cloned from the real 25-game scoreboard (ids made unique)."""
    import orjson

    payload = orjson.loads(BIG_BOARD.read_bytes())
    events = []
    for copy_number in range(6):
        for event in payload["events"]:
            clone = copy.deepcopy(event)
            clone["id"] = f"{event['id']}{copy_number}"
            clone["competitions"][0]["id"] = clone["id"]
            events.append(clone)
    return {**payload, "events": events}


def main() -> None:
    logging.disable(logging.INFO)
    body = BIG_BOARD.read_bytes()
    parse_ms = median_ms(lambda: parse_scoreboard_bytes(body, "football/college-football"))
    print(f"database: {connection.vendor}")
    print(f"parse a {len(body) / 1e6:.2f} MB scoreboard (25 games): {parse_ms:.1f} ms")

    # Grading is a worker's job (a queued task; benchmarks/bench_grading.py measures it): the poll only.
    from games.signals import game_results_changed

    game_results_changed.disconnect(dispatch_uid="picks.grade_announced_games")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        payload = games_150()
        snapshots = parse_scoreboard(payload, "football/college-football").games
        for label, count in (("25 games", 25), ("150 games", 150)):
            subset = snapshots[:count]
            tracemalloc.start()
            with CaptureQueriesContext(connection) as created:
                start = time.perf_counter()
                ingest_snapshots(subset, now=NOW)
                create_ms = (time.perf_counter() - start) * 1000
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            with CaptureQueriesContext(connection) as unchanged:
                unchanged_ms = median_ms(lambda subset=subset: ingest_snapshots(subset, now=NOW))
            print(
                f"{label}: first ingest {create_ms:.1f} ms ({len(created.captured_queries)} queries, "
                f"peak {peak / 1e6:.1f} MB); unchanged poll {unchanged_ms:.1f} ms "
                f"({len(unchanged.captured_queries) // 15} queries each)"
            )
            from games.models import Game, Season, Team

            Game.objects.all().delete()
            Team.objects.all().delete()
            Season.objects.all().delete()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
