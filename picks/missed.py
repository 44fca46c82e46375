"""The pick'em missed-picks rule: what a member who did not pick gets.

- none: nothing (a missed pick scores nothing).
- favourite: when a game locks, every entry of such a league without a pick on it gets the
  favourite by the line at lock (the home team without a line, or on an even one), marked as
  made for the member. One INSERT ... SELECT per game, whatever the number of entries; run by
  the housekeeping sweep for games that just locked and again before a game is graded, so a
  graded game never misses them. In a confidence league the pick carries no weight and scores
  one point if it wins.
- lowest minus one: a week in which an entry made no pick at all scores the week's lowest score
  among the entries that picked, minus one (never below zero); applied by the standings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, DateTimeField, Exists, IntegerField, OuterRef, Value
from django.db.models.functions import Cast

from games.models import Game

from .models import Entry, GameLine, MissedPicks, Pick, PickResult, PoolType
from .sql import quoted_columns, quoted_table


def favourite_team_id(game: Game, line: Decimal | None) -> int:
    """The team the line favours (home's view: negative = home favoured); the home team otherwise."""
    if line is not None and line > 0:
        return game.away_team_id
    return game.home_team_id


def auto_pick_favourites(game_ids: Iterable[int], *, now: datetime) -> int:
    """For each (locked) game: the favourite, for every entry of a favourite-rule league that has no pick on it."""
    made = 0
    games = Game.objects.filter(pk__in=list(game_ids)).select_related("season").exclude(week=None)
    lines = dict(GameLine.objects.filter(game_id__in=list(game_ids)).values_list("game_id", "spread"))
    for game in games:
        line = lines.get(game.pk, game.spread)
        made += insert_auto_picks(game, favourite_team_id(game, line), now=now)
    return made


# The entry, then the pick's columns in the order of INSERTED.
SELECTED = (
    "pk", "pick_game", "pick_team", "pick_season_type", "pick_week", "pick_created", "pick_updated",
    "pick_result", "pick_points", "pick_auto",
)  # fmt: skip
INSERTED = ("entry", "game", "team", "season_type", "week", "created_at", "updated_at", "result", "points", "auto")


def insert_auto_picks(game: Game, team_id: int, *, now: datetime) -> int:
    missing = (
        Entry.objects.active()
        .filter(
            league__pool_type=PoolType.PICKEM,
            league__missed_picks=MissedPicks.FAVOURITE,
            league__espn_league=game.espn_league,
            league__season_year=game.season.year,
        )
        .filter(~Exists(Pick.objects.filter(entry_id=OuterRef("pk"), game_id=game.pk)))
        .annotate(
            pick_game=Value(game.pk, output_field=IntegerField()),
            pick_team=Value(team_id, output_field=IntegerField()),
            pick_season_type=Value(game.season_type, output_field=IntegerField()),
            pick_week=Value(game.week, output_field=IntegerField()),
            pick_created=Cast(Value(now, output_field=DateTimeField()), DateTimeField()),
            pick_updated=Cast(Value(now, output_field=DateTimeField()), DateTimeField()),
            pick_result=Value(PickResult.PENDING),
            pick_points=Value(0, output_field=IntegerField()),
            pick_auto=Value(True, output_field=BooleanField()),
        )
        .values_list(*SELECTED)
        .order_by()
    )
    select, params = missing.query.sql_with_params()
    table, columns = quoted_table(Pick), quoted_columns(Pick, INSERTED)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)
