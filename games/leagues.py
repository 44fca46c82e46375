"""The ESPN leagues this deployment tracks (settings.ESPN_LEAGUES), read in one place."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from espn.leagues import LeagueFeed, parse_tracked


@lru_cache(maxsize=8)
def _parsed(specs: tuple[str, ...]) -> tuple[LeagueFeed, ...]:
    return parse_tracked(specs)


def tracked_feeds() -> tuple[LeagueFeed, ...]:
    return _parsed(tuple(settings.ESPN_LEAGUES))  # keyed by the setting's value: tests may change it


def tracked_leagues() -> list[str]:
    return [feed.espn_league for feed in tracked_feeds()]


def feed_for(espn_league: str) -> LeagueFeed:
    """The tracked feed (with its query, e.g. groups=80) of a league, else the table's."""
    for feed in tracked_feeds():
        if feed.espn_league == espn_league:
            return feed
    return LeagueFeed.of(espn_league)
