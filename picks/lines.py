"""The line a pick against the spread is graded on: where it comes from and when it locks.

- At kickoff (the default): `GameLine`, frozen once as the game locks (see `grading`).
- At a weekly publication time (US Eastern, default Tuesday 12:00): `PublishedLine`, the
  spread of each of the week's games as it stood at the last publication moment before the
  week's first kickoff; from then the pick page shows it and grading uses it. Leagues that
  publish at the same moment share the rows. A game whose published line is missing when it is
  graded (the sweep never ran) falls back to the line frozen at its kickoff.
- ESPN's scoreboard sometimes carries no odds: the line is then taken from the game's summary
  (`pickcenter`) before giving up; a game with no line at all is graded straight up, and the
  pick shows it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Max, Min

from espn.client import EspnError
from espn.leagues import LeagueFeed
from espn.parsing import EspnPayloadError
from games.models import Game

from .models import LineLock, PickemLeague, PoolType, PublishedLine
from .weeks import Week

log = logging.getLogger(__name__)
US_EASTERN = ZoneInfo("America/New_York")
PUBLISH_LOOKBACK = timedelta(days=7)


def publication_moment(first_kickoff: datetime, *, weekday: int, at: time) -> datetime:
    """The last `weekday` `at` (US Eastern) at or before the week's first kickoff, in UTC."""
    local = first_kickoff.astimezone(US_EASTERN)
    day: date = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, at, tzinfo=US_EASTERN)
    if moment > local:
        moment -= timedelta(days=7)
    return moment.astimezone(first_kickoff.tzinfo)


def week_first_kickoffs(
    espn_league: str, season_year: int, weeks: Iterable[Week] | None = None
) -> dict[Week, datetime]:
    games = Game.objects.filter(espn_league=espn_league, season__year=season_year, week__isnull=False)
    found = games.values("season_type", "week").annotate(first=Min("kickoff")).order_by()
    wanted = set(weeks) if weeks is not None else None
    result = {Week(row["season_type"], row["week"]): row["first"] for row in found}
    return {w: k for w, k in result.items() if wanted is None or w in wanted}


def league_publication(league: PickemLeague, week: Week) -> datetime | None:
    """When the league's line locks for the week (None: the league locks lines at kickoff)."""
    if league.line_lock != LineLock.WEEKLY:
        return None
    first = week_first_kickoffs(league.espn_league, league.season_year, [week]).get(week)
    if first is None:
        return None
    return publication_moment(first, weekday=league.line_weekday, at=league.line_time)


def published_spreads(league: PickemLeague, week: Week, *, now: datetime) -> dict[int, Decimal | None] | None:
    """The week's published lines by game once the league's publication moment has passed; else None."""
    moment = league_publication(league, week)
    if moment is None or moment > now:
        return None
    games = Game.objects.filter(
        espn_league=league.espn_league, season__year=league.season_year, season_type=week.season_type, week=week.number
    )
    return dict(PublishedLine.objects.filter(game__in=games, published_at=moment).values_list("game_id", "spread"))


def summary_spread(game: Game) -> Decimal | None:
    """The line from the game's summary (`pickcenter`), for a game the scoreboard gave no odds."""
    from games.polling import espn_client

    try:
        summary = espn_client().summary(LeagueFeed.parse(game.espn_league), game.espn_id)
    except (EspnError, EspnPayloadError) as exc:
        log.warning("no summary line game=%s error=%s", game.espn_id, exc)
        return None
    spread = summary.game.odds.spread if summary.game.odds else None
    return Decimal(str(spread)) if spread is not None else None


def spreads_with_summary_fallback(games: Iterable[Game]) -> dict[int, Decimal | None]:
    """Each game's spread; the summary's for those the scoreboard gave none (one request each)."""
    return {game.pk: game.spread if game.spread is not None else summary_spread(game) for game in games}


def publish_weekly_lines(*, now: datetime) -> int:
    """For each weekly publication setting in use: freeze the spread of every game of each week whose
    publication moment has come (in the last week), once. Returns the lines written."""
    settings = (
        PickemLeague.objects.filter(pool_type=PoolType.PICKEM, against_spread=True, line_lock=LineLock.WEEKLY)
        .values_list("espn_league", "season_year", "line_weekday", "line_time")
        .distinct()
    )
    written = 0
    for espn_league, season_year, weekday, at in settings:
        for week, first in week_first_kickoffs(espn_league, season_year).items():
            moment = publication_moment(first, weekday=weekday, at=at)
            if not now - PUBLISH_LOOKBACK <= moment <= now:
                continue
            games = list(
                Game.objects.filter(
                    espn_league=espn_league, season__year=season_year, season_type=week.season_type, week=week.number
                ).exclude(pk__in=PublishedLine.objects.filter(published_at=moment).values("game_id"))
            )
            spreads = spreads_with_summary_fallback(games)
            rows = [PublishedLine(game_id=pk, published_at=moment, spread=spread) for pk, spread in spreads.items()]
            PublishedLine.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
    return written


def weekly_settings_with_picks(game: Game) -> list[tuple[int, time]]:
    """The (weekday, time) of the weekly-lock, against-the-spread leagues with picks on this game."""
    from .models import Pick

    return list(
        Pick.objects.filter(
            game_id=game.pk, entry__league__against_spread=True, entry__league__line_lock=LineLock.WEEKLY
        )
        .values_list("entry__league__line_weekday", "entry__league__line_time")
        .distinct()
        .order_by()
    )


def weekly_line(game: Game, *, weekday: int, at: time, fallback: Decimal | None) -> Decimal | None:
    """The game's line published at the setting's moment for its week; `fallback` when none was."""
    first = (
        Game.objects.filter(
            espn_league=game.espn_league, season_id=game.season_id, season_type=game.season_type, week=game.week
        ).aggregate(first=Min("kickoff"), last=Max("kickoff"))["first"]
        or game.kickoff
    )
    moment = publication_moment(first, weekday=weekday, at=at)
    found = PublishedLine.objects.filter(game_id=game.pk, published_at=moment).values_list("spread", flat=True)
    return next(iter(found), fallback)
