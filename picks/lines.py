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

The line at lock is kept once, in `GameLine` and `PublishedLine`: which of them a pick is graded on
is derived from its league's rule (`line_at_lock`, read through `lines_at_lock`), never copied to the pick.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Min, Q

from espn.client import EspnError
from espn.leagues import LeagueFeed
from espn.parsing import EspnPayloadError
from games.models import Game

from .models import GameLine, LineLock, PickemLeague, PoolType, PublishedLine
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


def week_first_kickoffs(espn_league: str, season_year: int) -> dict[Week, datetime]:
    """The first kickoff of each week of a league's season."""
    games = Game.objects.filter(espn_league=espn_league, season__year=season_year, week__isnull=False)
    found = games.values("season_type", "week").annotate(first=Min("kickoff")).order_by()
    return {Week(row["season_type"], row["week"]): row["first"] for row in found}


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


# --------------------------------------------------------------------------- the line at lock: the one rule


@dataclass(frozen=True)
class LineRule:
    """What of a league's rules decides the line its picks are graded on: against the spread or not,
    and, for a weekly lock against the spread, its (weekday, time). Leagues with equal rules share lines."""

    against_spread: bool = False
    weekly: tuple[int, time] | None = None  # (weekday, time US Eastern) of a weekly lock against the spread

    @classmethod
    def of(cls, against_spread: bool, line_lock: str, line_weekday: int, line_time: time) -> LineRule:
        """From a league's fields (a straight-up league's lock settings play no part)."""
        if against_spread and line_lock == LineLock.WEEKLY:
            return cls(True, (line_weekday, line_time))
        return cls(against_spread)

    @classmethod
    def of_league(cls, league: PickemLeague) -> LineRule:
        return cls.of(league.against_spread, league.line_lock, league.line_weekday, league.line_time)

    def publication(self, first_kickoff: datetime) -> datetime | None:
        """When a weekly lock's line locks for the week that opens at `first_kickoff`; None: at kickoff."""
        if self.weekly is None:
            return None
        weekday, at = self.weekly
        return publication_moment(first_kickoff, weekday=weekday, at=at)

    def graded_on(self, at_lock: Decimal | None) -> Decimal | None:
        """The line a pick is graded against given its line at lock; None: straight up."""
        return at_lock if self.against_spread else None


STRAIGHT_UP = LineRule(against_spread=False)
AT_KICKOFF = LineRule(against_spread=True)


class _Published(Enum):
    NONE = "none"


NOT_PUBLISHED = _Published.NONE  # no line was published for the game at the rule's moment


def line_at_lock(
    rule: LineRule, kickoff: Decimal | None, published: Decimal | Literal[_Published.NONE] | None = NOT_PUBLISHED
) -> Decimal | None:
    """THE rule for a pick's line at lock, from its league's rule: a weekly lock against the spread takes
    the line published at the week's moment (which may be "no line"), the kickoff line when none was
    published for the game; every other league the line frozen at kickoff (`GameLine`). A straight-up
    league keeps that line for information: `LineRule.graded_on` grades it straight up all the same,
    as it does a pick with no line by lock.

    Every reader goes through here by way of `lines_at_lock`: grading's `line_groups`,
    `selectors.pick_lines` (a pick's line, the admin's and the API's), and `selectors.league_lines` (the
    pick page's rows, the live standings' projection and the chance to win); grading's SQL only chooses
    among the lines it gives, by CASE conditions on the league's columns that mirror `LineRule.of` (see
    `grading.line_condition`).
    """
    if rule.weekly is not None and published is not NOT_PUBLISHED:
        return published
    return kickoff


class GameWeek(NamedTuple):
    """What of a game the line at lock depends on: itself, and its week (whose first kickoff sets a
    weekly publication's moment)."""

    pk: int
    espn_league: str
    season_id: int
    season_type: int
    week: int | None
    kickoff: datetime

    @classmethod
    def of(cls, game: Game) -> GameWeek:
        return cls(game.pk, game.espn_league, game.season_id, game.season_type, game.week, game.kickoff)

    @property
    def week_key(self) -> tuple[str, int, int, int | None]:
        return (self.espn_league, self.season_id, self.season_type, self.week)


def lines_at_lock(
    wanted: Iterable[tuple[GameWeek, LineRule]],
    *,
    kickoff_lines: Mapping[int, Decimal | None] | None = None,
    first_kickoffs: Mapping[tuple[str, int, int, int | None], datetime] | None = None,
    as_of: datetime | None = None,
) -> dict[tuple[int, LineRule], Decimal | None]:
    """The line at lock (`line_at_lock`) of each (game, rule), keyed by (game id, rule).

    At most three queries whatever the number of games and rules: the games' kickoff lines (`GameLine`;
    none when `kickoff_lines` gives them), the first kickoff of each week a weekly lock is asked about
    (none when `first_kickoffs` gives them), and the lines published at those weeks' moments.
    `as_of`: a publication whose moment is still to come counts as none (the pick page, before it).
    """
    wanted = list(dict.fromkeys(wanted))
    if kickoff_lines is None:
        game_ids = {game.pk for game, _ in wanted}
        kickoff_lines = dict(GameLine.objects.filter(game_id__in=game_ids).values_list("game_id", "spread"))
    published = published_at_moments(wanted, first_kickoffs=first_kickoffs, as_of=as_of)
    return {
        (game.pk, rule): line_at_lock(rule, kickoff_lines.get(game.pk), published.get((game.pk, rule), NOT_PUBLISHED))
        for game, rule in wanted
    }


def published_at_moments(
    wanted: Iterable[tuple[GameWeek, LineRule]],
    *,
    first_kickoffs: Mapping[tuple[str, int, int, int | None], datetime] | None = None,
    as_of: datetime | None = None,
) -> dict[tuple[int, LineRule], Decimal | None]:
    """The line published at its week's moment of each (game, weekly rule) that has one (None: published
    as "no line"); a pair without is left out: the kickoff line stands in. At most two queries: the weeks'
    first kickoffs (none when `first_kickoffs` gives them) and the published lines."""
    weekly = [(game, rule) for game, rule in wanted if rule.weekly is not None]
    if not weekly:
        return {}
    firsts = dict(first_kickoffs or {})
    missing = {game.week_key for game, _ in weekly} - firsts.keys()
    if missing:
        firsts |= week_first_kickoffs_of(missing)
    moments: dict[tuple[int, LineRule], datetime] = {}
    for game, rule in weekly:
        moment = rule.publication(firsts.get(game.week_key) or game.kickoff)
        if moment is not None and (as_of is None or moment <= as_of):
            moments[(game.pk, rule)] = moment
    if not moments:
        return {}
    found = PublishedLine.objects.filter(
        game_id__in={pk for pk, _ in moments}, published_at__in=set(moments.values())
    ).values_list("game_id", "published_at", "spread")
    spreads = {(game_id, at): spread for game_id, at, spread in found}
    return {key: spreads[(key[0], moment)] for key, moment in moments.items() if (key[0], moment) in spreads}


def week_first_kickoffs_of(
    weeks: Iterable[tuple[str, int, int, int | None]],
) -> dict[tuple[str, int, int, int | None], datetime]:
    """The first kickoff of each (espn league, season id, season type, week), in one query."""
    matching = Q()
    for espn_league, season_id, season_type, week in weeks:
        matching |= Q(espn_league=espn_league, season_id=season_id, season_type=season_type, week=week)
    rows = (
        Game.objects.filter(matching)
        .values("espn_league", "season_id", "season_type", "week")
        .annotate(first=Min("kickoff"))
        .order_by()
    )
    return {(r["espn_league"], r["season_id"], r["season_type"], r["week"]): r["first"] for r in rows}
