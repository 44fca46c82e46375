"""Pool rules benchmark on PostgreSQL: survivor grading of 100,000 entries in one week, and pick'em
grading with every new rule on (missed picks auto-picked, Tuesday weekly lines, several entries
per member) at 1,000,000 picks on one game.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/bench_pools.py

Like bench_grading.py it creates a throwaway database (bench_pools, or --database), loads the
rows set-based (INSERT ... SELECT FROM generate_series), prints time and queries beside the target
(under 10 s, constant queries: each case runs at a tenth of the size too, for the query count),
and drops the database. A benchmark, not a test: the figures are for reading.
"""

from __future__ import annotations

import argparse
import sys
import time as clock
from datetime import time, timedelta

from bench_grading import SEASON_START, game_row
from throwaway_db import Timer, django_on_throwaway_database, postgres_url

TARGET_SECONDS = 10.0
SURVIVOR_ENTRIES = (10_000, 100_000)
SURVIVOR_GAMES = 16
SURVIVOR_MISSED = 20  # one entry in 20 makes no pick: the rule picks the first unused favourite
PICKEM_LEAGUES = (1_000, 10_000)  # of 100 entries each: 100,000 and 1,000,000 picks
PICKEM_ENTRIES = 100
PICKEM_PER_MEMBER = 2  # every member holds two entries
PICKEM_MISSED = 10  # one entry in 10 makes no pick: the favourite is picked for it at lock
USERS = 1_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_pools", help="throwaway database to create and drop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def report(label: str, seconds: float, queries: int, note: str = "") -> None:
    print(f"  {label:<62} {seconds:8.2f} s  {queries:4d} queries  {note}")


def tables():
    from picks.models import Entry, Pick, PickemLeague

    return (m._meta.db_table for m in (PickemLeague, Entry, Pick))


def base_rows():
    from django.contrib.auth import get_user_model

    from games.models import Season, Team

    User = get_user_model()
    season = Season.objects.create(espn_league="football/nfl", year=2025)
    teams = Team.objects.bulk_create(
        Team(espn_league="football/nfl", espn_id=str(i), abbreviation=f"T{i:02d}", display_name=f"Team {i}")
        for i in range(1, 33)
    )
    users = User.objects.bulk_create(User(username=f"user{i:04d}", password="!") for i in range(USERS))  # noqa: S106 - "!" = no usable password
    return season, teams, sorted(u.pk for u in users)


# --------------------------------------------------------------------------- survivor


def load_survivor_week(season, teams, user_ids: list[int], entries: int, week: int):
    """One survivor league of `entries` entries (the missed-week rule: the first unused favourite),
    a week of 16 games, and a pick for all but one entry in SURVIVOR_MISSED, spread over the games."""
    from django.db import connection

    from espn.snapshots import Phase
    from games.models import Game, Season
    from picks.models import PickemLeague, PoolType, SurvivorMissedWeek

    # A season of its own: another size's league would see this week as one of its own.
    season = Season.objects.create(espn_league="football/nfl", year=2030 + week)
    start = SEASON_START
    games = Game.objects.bulk_create(
        game_row(season, teams, week, slot, start + timedelta(hours=slot // 4 * 3), phase=Phase.SCHEDULED)
        for slot in range(SURVIVOR_GAMES)
    )
    league = PickemLeague.objects.create(
        name=f"Survivor {entries}", espn_league="football/nfl", season_year=season.year, commissioner_id=user_ids[0],
        pool_type=PoolType.SURVIVOR, survivor_missed_week=SurvivorMissedWeek.FAVOURITE,
        created_at=SEASON_START - timedelta(days=30), invite_code=f"survivor-{entries}",
    )  # fmt: skip
    _, entry_table, pick_table = tables()
    game_ids = [g.pk for g in games]
    picked = [g.home_team_id if n % 2 else g.away_team_id for n, g in enumerate(games)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {entry_table} (league_id, user_id, name, joined_at, buybacks)
            SELECT %(league)s, (%(users)s::bigint[])[1 + k %% %(n)s], 'entry ' || k, now(), 0
            FROM generate_series(0, %(entries)s - 1) AS k""",  # noqa: S608 - table names from the models
            {"league": league.pk, "users": user_ids, "n": len(user_ids), "entries": entries},
        )
        cursor.execute(
            f"""INSERT INTO {pick_table}
                (entry_id, game_id, team_id, season_type, week, result, points, auto, created_at, updated_at)
            SELECT e.id, (%(games)s::bigint[])[1 + e.id %% %(g)s], (%(teams)s::bigint[])[1 + e.id %% %(g)s],
                   2, %(week)s, 'pending', 0, false, now(), now()
            FROM {entry_table} e WHERE e.league_id = %(league)s AND e.id %% %(missed)s <> 0""",  # noqa: S608
            {"games": game_ids, "teams": picked, "g": len(game_ids), "week": week, "league": league.pk,
             "missed": SURVIVOR_MISSED},
        )  # fmt: skip
        cursor.execute("ANALYZE")
    return league, games


def bench_survivor(season, teams, user_ids: list[int]) -> None:
    from games.models import Game
    from picks.grading import grade_game
    from picks.standings import survivor_standings
    from picks.survivor import auto_pick_missed_weeks
    from picks.weeks import Week

    for week, entries in enumerate(SURVIVOR_ENTRIES, start=1):
        league, games = load_survivor_week(season, teams, user_ids, entries, week)
        print(
            f"\nSurvivor: {entries:,} entries in one week of {len(games)} games (missed week: first unused favourite):"
        )
        last_kickoff = max(g.kickoff for g in games)
        with Timer() as auto:
            made = auto_pick_missed_weeks(now=last_kickoff + timedelta(minutes=1))
        report("missed weeks: the first unused favourite picked", auto.seconds, auto.queries, f"{made:,} picks made")
        for game in games:
            Game.objects.filter(pk=game.pk).update(phase="final", state="post", status_name="STATUS_FINAL")
        with Timer() as grading:
            graded = sum(grade_game(game.pk).picks_graded for game in games)
        report(
            f"grading the week's {len(games)} games",
            grading.seconds,
            grading.queries,
            f"{graded:,} graded (target < {TARGET_SECONDS:.0f} s)",
        )
        with Timer() as standing:
            rows = survivor_standings(league, Week(2, week)).rows
        alive = sum(1 for row in rows if row.alive)
        report(
            "survivor standings: who is alive, chance to survive",
            standing.seconds,
            standing.queries,
            f"{alive:,} alive",
        )


# --------------------------------------------------------------------------- pick'em, every rule


def load_pickem_game(season, teams, user_ids: list[int], leagues: int, week: int):
    """`leagues` leagues of 100 entries (two per member), missed picks auto-picked, graded against the
    spread published on Tuesday at 12:00 Eastern; a pick for all but one entry in PICKEM_MISSED."""
    from decimal import Decimal

    from django.db import connection

    from espn.snapshots import Phase
    from games.models import Season
    from picks.lines import publication_moment
    from picks.models import PublishedLine

    # A season of its own: the missed-picks rule would otherwise auto-pick this game for the other size's entries.
    season = Season.objects.create(espn_league="football/nfl", year=2040 + week)
    kickoff = SEASON_START + timedelta(weeks=week - 1)
    game = game_row(season, teams, week, 0, kickoff, phase=Phase.FINAL)
    game.save()
    moment = publication_moment(kickoff, weekday=1, at=time(12, 0))
    PublishedLine.objects.create(game=game, published_at=moment, spread=Decimal("-6.5"))  # not the kickoff line
    league_table, entry_table, pick_table = tables()
    prefix = f"rules-{leagues}-"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {league_table}
                (name, espn_league, season_year, commissioner_id, invite_code, scoring, against_spread, created_at,
                 pool_type, entries_per_member, missed_picks, line_lock, line_weekday, line_time,
                 postponed_games, drop_lowest_weeks, survivor_lives, survivor_tie_costs_life,
                 survivor_missed_week, survivor_all_out)
            SELECT 'League ' || %(prefix)s || i, 'football/nfl', %(year)s, (%(users)s::bigint[])[1 + i %% %(n)s],
                   %(prefix)s || i, CASE WHEN i %% 2 = 0 THEN 'straight_up' ELSE 'confidence' END, true, now(),
                   'pickem', %(per)s, 'favourite', 'weekly', 1, '12:00', 'void', 0, 1, false, 'loss', 'co_winners'
            FROM generate_series(0, %(leagues)s - 1) AS i""",  # noqa: S608 - table names from the models
            {
                "prefix": prefix,
                "users": user_ids,
                "n": len(user_ids),
                "leagues": leagues,
                "per": PICKEM_PER_MEMBER,
                "year": season.year,
            },
        )
        cursor.execute(
            f"""INSERT INTO {entry_table} (league_id, user_id, name, joined_at, buybacks)
            SELECT l.id, (%(users)s::bigint[])[1 + (l.n * 7 + k / %(per)s) %% %(n)s], 'entry ' || k, now(), 0
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {league_table}
                  WHERE invite_code LIKE %(prefix)s || '%%') AS l
            CROSS JOIN generate_series(0, %(members)s - 1) AS k""",  # noqa: S608 - table names from the models
            {"prefix": prefix, "users": user_ids, "n": len(user_ids), "members": PICKEM_ENTRIES,
             "per": PICKEM_PER_MEMBER},
        )  # fmt: skip
        cursor.execute(
            f"""INSERT INTO {pick_table}
                (entry_id, game_id, team_id, confidence, season_type, week, result, points, auto,
                 created_at, updated_at)
            SELECT e.id, %(game)s, CASE WHEN e.id %% 2 = 1 THEN %(home)s ELSE %(away)s END,
                   CASE WHEN l.scoring = 'confidence' THEN 1 END, 2, %(week)s, 'pending', 0, false, now(), now()
            FROM {entry_table} e JOIN {league_table} l ON l.id = e.league_id
            WHERE l.invite_code LIKE %(prefix)s || '%%' AND e.id %% %(missed)s <> 0""",  # noqa: S608
            {"prefix": prefix, "game": game.pk, "home": game.home_team_id, "away": game.away_team_id,
             "week": week, "missed": PICKEM_MISSED},
        )  # fmt: skip
        cursor.execute("ANALYZE")
    return game


def bench_pickem(season, teams, user_ids: list[int]) -> None:
    from picks.grading import grade_game
    from picks.models import Pick

    for week, leagues in enumerate(PICKEM_LEAGUES, start=10):
        game = load_pickem_game(season, teams, user_ids, leagues, week)
        picks = Pick.objects.filter(game=game).count()
        print(
            f"\nPick'em, every rule: one game, {leagues:,} leagues of {PICKEM_ENTRIES} entries "
            f"({PICKEM_PER_MEMBER} a member), {picks:,} picks made, Tuesday lines, missed picks auto-picked:"
        )
        with Timer() as first:
            result = grade_game(game.pk)
        auto = Pick.objects.filter(game=game, auto=True).count()
        report(
            "grading (auto-picks, Tuesday line, one set-based UPDATE)",
            first.seconds,
            first.queries,
            f"{result.picks_graded:,} graded, {auto:,} auto-picked (target < {TARGET_SECONDS:.0f} s)",
        )
        slowest = sorted(first.capture.captured_queries, key=lambda q: -float(q["time"]))[:2]
        for query in slowest:  # where the time goes
            print(f"    {float(query['time']):6.2f} s  {' '.join(query['sql'].split())[:110]}")


def main() -> int:
    args = parse_args()
    url = postgres_url()
    if url is None:
        print("bench_pools: skipped, it needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname")
        return 0
    with django_on_throwaway_database(url, args.database, keep=args.keep):
        started = clock.perf_counter()
        season, teams, user_ids = base_rows()
        bench_survivor(season, teams, user_ids)
        bench_pickem(season, teams, user_ids)
        print(f"\n  (whole run, loading included: {clock.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
