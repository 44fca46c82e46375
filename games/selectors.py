"""Reads of games for the pages and the API. Every reader here costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q, QuerySet

from espn.snapshots import Phase

from .game_shape import games_for_payload
from .leagues import tracked_leagues
from .live_state import EASTERN, eastern_day_bounds
from .models import EspnLeague, Game


@dataclass(frozen=True)
class GameFilters:
    """What GET /api/games/ may filter by; None means "any"."""

    day: date | None = None  # an Eastern calendar day, as ESPN files games
    espn_league: str | None = None
    season: int | None = None
    week: int | None = None
    team: str | None = None  # abbreviation (any case) or ESPN team id
    phase: str | None = None
    live: bool | None = None


def known_espn_leagues() -> list[str]:
    """ESPN leagues a filter may name: the ones the project models plus any tracked by configuration."""
    return sorted({*EspnLeague.values, *tracked_leagues()})


def games(filters: GameFilters) -> QuerySet[Game]:
    """Games matching the filters, kickoff order, with everything game_payload() reads joined in."""
    queryset = games_for_payload()
    if filters.day is not None:
        start, end = day_bounds(filters.day)
        queryset = queryset.filter(kickoff__gte=start, kickoff__lt=end)
    if filters.espn_league is not None:
        queryset = queryset.filter(espn_league=filters.espn_league)
    if filters.season is not None:
        queryset = queryset.filter(season__year=filters.season)
    if filters.week is not None:
        queryset = queryset.filter(week=filters.week)
    if filters.team is not None:
        queryset = queryset.filter(team_query(filters.team))
    if filters.phase is not None:
        queryset = queryset.filter(phase=filters.phase)
    if filters.live is True:
        queryset = queryset.filter(phase=Phase.LIVE)
    elif filters.live is False:
        queryset = queryset.exclude(phase=Phase.LIVE)
    return queryset.order_by("kickoff", "espn_id")


def team_query(team: str) -> Q:
    by_abbreviation = Q(home_team__abbreviation__iexact=team) | Q(away_team__abbreviation__iexact=team)
    by_espn_id = Q(home_team__espn_id=team) | Q(away_team__espn_id=team)
    return by_abbreviation | by_espn_id


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC bounds of an Eastern calendar day."""
    return eastern_day_bounds(0, datetime.combine(day, time(12), tzinfo=EASTERN))


def live_feed_games(now: datetime) -> list[Game]:
    """Today's games (Eastern day) in the tracked leagues, plus any still live from an earlier day."""
    start, end = eastern_day_bounds(0, now)
    today_or_live = Q(kickoff__gte=start, kickoff__lt=end) | Q(phase=Phase.LIVE)
    return list(
        games_for_payload().filter(today_or_live, espn_league__in=tracked_leagues()).order_by("kickoff", "espn_id")
    )


def game_by_id(pk: int) -> Game | None:
    return games_for_payload().filter(pk=pk).first()
