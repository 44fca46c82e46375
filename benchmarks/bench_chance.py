"""Chance-to-win benchmark: a 1,000-member confidence league, one week of 16 games of which 6 are
live (4 final, 6 not started), every member with 16 picks and a tiebreaker guess.

    .venv/bin/python -m devtools.embedded_redis run --port 0 -- .venv/bin/python benchmarks/bench_chance.py

It uses a throwaway SQLite database (or, with DATABASE_URL=postgres://..., a throwaway PostgreSQL
database it creates and drops); three of the six live games have stored plays carrying ESPN's
live win probability (120 plays each). Prints the median time of one recompute (the queries and
the counting: 12 open games, so 10,000 seeded samples) beside the 200 ms target, and the query
count for 1,000 members beside the one for 100: it must not grow with the members.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_MS = 200.0
MEMBERS = 1_000
GAMES, LIVE, FINAL = 16, 6, 4
KICKOFF = datetime(2025, 9, 7, 17, 0, tzinfo=UTC)


def setup(database_url: str) -> None:
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(members: int, league_name: str, season):
    from django.contrib.auth import get_user_model

    from espn.snapshots import Phase
    from games.models import Game, Team
    from picks.models import Entry, Pick, PickemLeague, ScoringMode, WeeklyTiebreaker

    teams = Team.objects.bulk_create(
        Team(espn_league="football/nfl", espn_id=f"{league_name}{i}", abbreviation=f"T{i}", display_name=f"T{i}")
        for i in range(2 * GAMES)
    )
    games = []
    for n in range(GAMES):
        phase = Phase.FINAL if n < FINAL else Phase.LIVE if n < FINAL + LIVE else Phase.SCHEDULED
        started = phase != Phase.SCHEDULED
        games.append(
            Game(
                espn_id=f"{league_name}-{n}", espn_league="football/nfl", season=season, season_type=2, week=1,
                kickoff=KICKOFF + timedelta(hours=n // 4 * 3), home_team=teams[2 * n], away_team=teams[2 * n + 1],
                home_score=(3 * n) % 31 if started else None, away_score=(5 * n) % 28 if started else None,
                phase=phase, state="in", status_name="x", period=2 + n % 3, display_clock="7:30",
                spread=-3.5 + n % 7, over_under=44.5, content_hash="x", last_changed_at=KICKOFF,
            )
        )  # fmt: skip
    games = Game.objects.bulk_create(games)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{league_name}{i:04d}", password="!")  # noqa: S106 - "!": no usable password
        for i in range(members)
    )
    league = PickemLeague.objects.create(
        name=league_name, espn_league="football/nfl", season_year=season.year, commissioner=users[0],
        scoring=ScoringMode.CONFIDENCE,
    )  # fmt: skip
    entries = Entry.objects.bulk_create(Entry(league=league, user=u, name=u.username) for u in users)
    rng = random.Random(league_name)  # members pick as people do: each their own sides and weights
    picks = []
    for entry in entries:
        weights = rng.sample(range(1, GAMES + 1), GAMES)
        for game, weight in zip(games, weights, strict=True):
            team = game.home_team_id if rng.random() < 0.6 else game.away_team_id
            picks.append(Pick(entry=entry, game=game, season_type=2, week=1, confidence=weight, team_id=team))
    Pick.objects.bulk_create(picks, batch_size=5_000)
    WeeklyTiebreaker.objects.bulk_create(
        WeeklyTiebreaker(entry=e, season_type=2, week=1, guess=30 + n % 30) for n, e in enumerate(entries)
    )
    return league, games


def store_win_probabilities(games) -> None:
    """ESPN's live win probability as the worker stores it: on the plays of three of the live games."""
    from django.utils import timezone

    from espn.snapshots import Phase
    from games.models import Play

    now = timezone.now()
    live = [g for g in games if g.phase == Phase.LIVE][:3]
    Play.objects.bulk_create(
        Play(game=game, sequence=sequence, home_win_pct=0.2 + 0.3 * n + 0.01 * sequence, content_hash="x",
             stored_at=now, updated_at=now)
        for n, game in enumerate(live)
        for sequence in range(1, 121)
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.split(":", 1)[0] in ("postgres", "postgresql")
    workdir = tempfile.TemporaryDirectory()
    if postgres:
        from throwaway_db import create_database, drop_database

        database_url = create_database(url, "bench_chance")
    else:
        database_url = f"sqlite:///{workdir.name}/bench_chance.sqlite3"
    try:
        setup(database_url)
        run(args.runs)
    finally:
        if postgres:
            from django.db import connections

            connections.close_all()
            drop_database(url, "bench_chance")
        workdir.cleanup()


def run(runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from games.models import Season
    from picks.chance import week_chances
    from picks.weeks import Week

    season = Season.objects.create(espn_league="football/nfl", year=2025)
    big, games = load(MEMBERS, "big", season)
    small_season = Season.objects.create(espn_league="football/nfl", year=2024)
    small, _ = load(100, "small", small_season)
    store_win_probabilities(games)
    week = Week(2, 1)

    week_chances(small, week)  # warm-up: the season totals' cache, as for the big league

    def queries(league) -> int:
        with CaptureQueriesContext(connection) as captured:
            week_chances(league, week)
        return len(captured)

    week_chances(big, week)  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = week_chances(big, week)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median_ms = statistics.median(times) * 1000
    cpu_ms = statistics.median(cpu) * 1000
    print(f"Chance to win: {MEMBERS:,} members, {GAMES} games ({LIVE} live, {FINAL} final), {result.method}")
    verdict = "ok" if median_ms < TARGET_MS else "OVER TARGET"
    label = f"one recompute (queries + counting), median of {runs}:"
    print(f"  {label} {median_ms:7.1f} ms   target < {TARGET_MS:.0f} ms  {verdict}")
    print(f"  of which this process's CPU (the figure a loaded machine inflates least): {cpu_ms:7.1f} ms")
    print(f"  queries per recompute: {queries(big)} for {MEMBERS:,} members, {queries(small)} for 100 members")
    best = max(result.rows, key=lambda r: r.week)
    print(f"  best chance: {best.username} {best.week:.1%}; sum of chances {sum(r.week for r in result.rows):.3f}")


if __name__ == "__main__":
    main()
