"""Pick'em benchmark on PostgreSQL: grade one game with 100,000 picks across 1,000 leagues and one
with 1,000,000 picks across 10,000 leagues, and compute (and render) the standings of a
1,000-member league with a full season of picks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/bench_grading.py

It creates its own throwaway database (bench_picks, or --database), migrates it, loads the
data, prints times and query counts, and drops the database at the end. A benchmark, not a
test: nothing fails, the figures are for reading (targets: grading 100,000 picks well under
2 s and 1,000,000 under 10 s, in the same few queries; a 1,000-member standings page under 100 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway_db import Timer, django_on_throwaway_database, postgres_url  # noqa: E402

# One graded game per size: 1,000 and 10,000 leagues of 100 members, 100,000 and 1,000,000 picks.
GRADING_LEAGUES = (1_000, 10_000)
MEMBERS_PER_GRADING_LEAGUE = 100
GRADING_TARGET_SECONDS = {1_000: 2.0, 10_000: 10.0}
USERS = 1_000
BIG_LEAGUE_MEMBERS = 1_000
WEEKS, GAMES_PER_WEEK = 17, 16  # the big league's season: 272 games, 272,000 picks
SEASON_START = datetime(2025, 9, 4, 17, 0, tzinfo=UTC)
BATCH = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_picks", help="throwaway database to create and drop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--runs", type=int, default=7, help="runs per standings measurement (median shown)")
    parser.add_argument(
        "--grading-only", action="store_true", help="only the graded games (no season of picks, no standings)"
    )
    return parser.parse_args()


def measure(runs: int, work: Callable[[], object]) -> tuple[float, int]:
    """Median seconds over `runs` (after one warm-up run) and the queries of one run."""
    work()
    times, queries = [], 0
    for _ in range(runs):
        with Timer() as timer:
            work()
        times.append(timer.seconds)
        queries = timer.queries
    return statistics.median(times), queries


def report(label: str, seconds: float, queries: int, note: str = "") -> None:
    print(f"  {label:<58} {seconds * 1000:9.1f} ms  {queries:4d} queries  {note}")


# --------------------------------------------------------------------------- data


def load_data(*, with_season: bool = True) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from espn.snapshots import Phase
    from games.models import Game, Season, Team
    from picks.models import Entry, Pick, PickemLeague, ScoringMode, WeeklyTiebreaker

    User = get_user_model()
    started = time.perf_counter()
    season = Season.objects.create(espn_league="football/nfl", year=2025)
    teams = Team.objects.bulk_create(
        Team(espn_league="football/nfl", espn_id=str(i), abbreviation=f"T{i:02d}", display_name=f"Team {i}")
        for i in range(1, 33)
    )
    games = []
    for week in range(1, WEEKS + 1):
        for slot in range(GAMES_PER_WEEK):
            kickoff = SEASON_START + timedelta(weeks=week - 1, hours=slot // 4 * 3)
            games.append(
                game_row(season, teams, week, slot, kickoff, phase=Phase.FINAL if week < WEEKS else Phase.LIVE)
            )
    season_games = Game.objects.bulk_create(games)

    users = User.objects.bulk_create(User(username=f"user{i:04d}", password="!") for i in range(USERS))  # noqa: S106 - "!" = no usable password
    # The 1,000-member league with a full season of confidence picks against the spread.
    big = None
    if with_season:
        big = PickemLeague.objects.create(
            name="Big league",
            espn_league="football/nfl",
            season_year=2025,
            commissioner=users[0],
            scoring=ScoringMode.CONFIDENCE,
            against_spread=True,
        )
        big_entries = Entry.objects.bulk_create(
            Entry(league=big, user=u, name=u.username) for u in users[:BIG_LEAGUE_MEMBERS]
        )
        picks = []
        for n, entry in enumerate(big_entries):
            for index, game in enumerate(season_games):
                weight = (index % GAMES_PER_WEEK + n) % GAMES_PER_WEEK + 1
                team = game.home_team_id if (n + index) % 3 else game.away_team_id
                picks.append(
                    Pick(entry=entry, game=game, team_id=team, confidence=weight, season_type=2, week=game.week)
                )
            if len(picks) >= BATCH:
                Pick.objects.bulk_create(picks)
                picks = []
        Pick.objects.bulk_create(picks)
        WeeklyTiebreaker.objects.bulk_create(
            WeeklyTiebreaker(entry=e, season_type=2, week=w, guess=30 + (e.pk * 7 + w) % 30)
            for e in big_entries
            for w in range(1, WEEKS + 1)
        )

    # Leagues of 100 members, every rule set, each member with a pick on the graded game.
    graded_games = {}
    for leagues in GRADING_LEAGUES:
        graded_games[leagues] = load_graded_game(graded_game_row(season, teams, leagues), users, leagues)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "big": big,
        "graded_games": graded_games,
        "season_games": season_games,
        "viewer": users[BIG_LEAGUE_MEMBERS // 2],
        "load_seconds": time.perf_counter() - started,
    }


def graded_game_row(season, teams, leagues: int):
    from espn.snapshots import Phase
    from games.models import Game

    slot = GRADING_LEAGUES.index(leagues)
    kickoff = SEASON_START + timedelta(weeks=WEEKS, hours=slot * 3)
    game = game_row(season, teams, WEEKS + 1, slot, kickoff, phase=Phase.FINAL)
    game.save()
    return Game.objects.get(pk=game.pk)


def load_graded_game(game, users, leagues: int):
    """`leagues` leagues of 100 members, each with a pick on `game`: set-based INSERT ... SELECT,
    so that a million rows load in seconds rather than the minutes of Python objects."""
    from django.db import connection

    from picks.models import Entry, Pick, PickemLeague

    league_table, entry_table, pick_table = (m._meta.db_table for m in (PickemLeague, Entry, Pick))
    user_ids = sorted(u.pk for u in users)
    prefix = f"{leagues}-"
    with connection.cursor() as cursor:
        # Every rule set in turn: straight up, confidence, each with and without the spread.
        cursor.execute(
            f"""INSERT INTO {league_table}
                (name, espn_league, season_year, commissioner_id, invite_code, scoring, against_spread, created_at)
            SELECT 'League ' || %(prefix)s || i, 'football/nfl', 2025, (%(users)s::bigint[])[1 + i %% %(n)s],
                   'bench-' || %(prefix)s || i,
                   CASE WHEN i %% 2 = 0 THEN 'straight_up' ELSE 'confidence' END, i %% 4 >= 2, now()
            FROM generate_series(0, %(leagues)s - 1) AS i""",  # noqa: S608 - table names from the models
            {"prefix": prefix, "users": user_ids, "n": len(user_ids), "leagues": leagues},
        )
        cursor.execute(
            f"""INSERT INTO {entry_table} (league_id, user_id, name, joined_at)
            SELECT l.id, (%(users)s::bigint[])[1 + (l.n * 7 + k) %% %(n)s], 'entry ' || k, now()
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {league_table}
                  WHERE invite_code LIKE 'bench-' || %(prefix)s || '%%') AS l
            CROSS JOIN generate_series(0, %(members)s - 1) AS k""",  # noqa: S608 - table names from the models
            {"prefix": prefix, "users": user_ids, "n": len(user_ids), "members": MEMBERS_PER_GRADING_LEAGUE},
        )
        cursor.execute(
            f"""INSERT INTO {pick_table}
                (entry_id, game_id, team_id, confidence, season_type, week, result, points, created_at, updated_at)
            SELECT e.id, %(game)s, CASE WHEN e.id %% 2 = 1 THEN %(home)s ELSE %(away)s END,
                   CASE WHEN l.scoring = 'confidence' THEN 1 END, 2, %(week)s, 'pending', 0, now(), now()
            FROM {entry_table} e JOIN {league_table} l ON l.id = e.league_id
            WHERE l.invite_code LIKE 'bench-' || %(prefix)s || '%%'""",  # noqa: S608 - table names from the models
            {"prefix": prefix, "game": game.pk, "home": game.home_team_id, "away": game.away_team_id,
             "week": game.week},
        )  # fmt: skip
    return game


def game_row(season, teams, week, slot, kickoff, *, phase):
    from decimal import Decimal

    from games.models import Game

    home, away = teams[(slot * 2 + week) % 32], teams[(slot * 2 + 1 + week) % 32]
    final = phase == "final"
    return Game(
        espn_id=f"{week:02d}{slot:02d}",
        espn_league="football/nfl",
        season=season,
        season_type=2,
        week=week,
        short_name=f"{away.abbreviation} @ {home.abbreviation}",
        kickoff=kickoff,
        home_team=home,
        away_team=away,
        home_score=17 + (week + slot) % 14,
        away_score=20 - (week * slot) % 9 if final else 10,
        phase=phase,
        state="post" if final else "in",
        status_name="STATUS_FINAL" if final else "STATUS_IN_PROGRESS",
        spread=Decimal("-3.5") if slot % 2 else Decimal("2.5"),
        content_hash="bench",
        last_changed_at=kickoff,
    )


# --------------------------------------------------------------------------- the runs


def bench_grading(data: dict) -> None:
    for leagues, game in data["graded_games"].items():
        bench_grading_game(game, leagues)
    if data["big"] is None:
        return
    from picks.grading import grade_game

    small = data["season_games"][0]
    with Timer() as small_run:
        result = grade_game(small.pk)
    report(f"for comparison: a game with {result.picks_graded:,} picks", small_run.seconds, small_run.queries)


def bench_grading_game(game, leagues: int) -> None:
    from games.models import Game
    from picks.grading import grade_game
    from picks.models import Pick

    picks = Pick.objects.filter(game=game).count()
    target = GRADING_TARGET_SECONDS[leagues]
    print(f"\nGrading one game with {picks:,} picks across {leagues:,} leagues (all four rule sets):")
    with Timer() as first:
        result = grade_game(game.pk)
    report(
        "first grading (claim, freeze line, one set-based UPDATE)",
        first.seconds,
        first.queries,
        f"{result.picks_graded:,} graded (target < {target:.0f} s)",
    )
    with Timer() as again:
        result = grade_game(game.pk)
    report("the same game again (a repeated poll)", again.seconds, again.queries, f"{result.picks_graded} graded")
    Game.objects.filter(pk=game.pk).update(home_score=game.away_score, away_score=game.home_score)
    with Timer() as corrected:
        result = grade_game(game.pk)
    report(
        "ESPN corrects the score: regrade",
        corrected.seconds,
        corrected.queries,
        f"{result.picks_graded:,} graded (target < {target:.0f} s)",
    )


def grade_season(data: dict) -> None:
    from picks.grading import grade_game

    started = time.perf_counter()
    for game in data["season_games"]:
        grade_game(game.pk)
    seconds = time.perf_counter() - started
    print(f"\n  (graded the big league's {len(data['season_games']) - GAMES_PER_WEEK} final games in {seconds:.1f} s)")


def bench_standings(data: dict, runs: int) -> None:
    from django.test import Client

    from picks.standings import season_standings, week_standings
    from picks.weeks import Week

    league = data["big"]
    live_week, done_week = Week(2, WEEKS), Week(2, WEEKS - 1)
    picks = WEEKS * GAMES_PER_WEEK * BIG_LEAGUE_MEMBERS
    print(
        f"\nStandings of a {BIG_LEAGUE_MEMBERS:,}-member league ({picks:,} picks, "
        f"confidence against the spread; median of {runs}):"
    )
    report("week standings, a finished week", *measure(runs, lambda: week_standings(league, done_week)))
    report(
        "week standings with 16 games live (live projection)", *measure(runs, lambda: week_standings(league, live_week))
    )
    report("season standings (+ live projection, season tiebreaker)", *measure(runs, lambda: season_standings(league)))

    client = Client()
    client.force_login(data["viewer"])

    def page(url: str) -> Callable[[], object]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return get

    base = f"/picks/leagues/{league.pk}/"
    report("league page: week standings + picks grid (rendered)", *measure(runs, page(f"{base}?week={live_week.slug}")))
    report(
        "league page: season standings (rendered)", *measure(runs, page(f"{base}?view=season&week={done_week.slug}"))
    )
    report(
        "API: week standings, all 1,000 rows as JSON",
        *measure(runs, page(f"/api/picks/leagues/{league.pk}/standings/?week={live_week.slug}")),
    )


def main() -> int:
    args = parse_args()
    url = postgres_url()
    if url is None:
        print("bench_grading: skipped, it needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname")
        return 0
    with django_on_throwaway_database(url, args.database, keep=args.keep):
        data = load_data(with_season=not args.grading_only)
        print(f"  data loaded in {data['load_seconds']:.1f} s")
        bench_grading(data)
        if not args.grading_only:
            grade_season(data)
            bench_standings(data, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
