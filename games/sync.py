"""Loading a whole season, a week or a list of days: what `sync_games` and its task run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from espn.client import EspnClient
from espn.leagues import league_of

from .ingest import ingest_snapshots
from .leagues import feed_for
from .polling import espn_client


@dataclass(frozen=True)
class SyncStep:
    label: str  # "week 3 (regular season)" or "2024-12-15"
    seen: int
    changed: int


def parse_dates(text: str) -> list[date]:
    """ "20241215", "20241215,20241216" or "20241201-20241207" (expanded: ESPN refuses ranges)."""
    days: list[date] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("-")
        start = datetime.strptime(first, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date, no time
        end = datetime.strptime(last, "%Y%m%d").date() if last else start  # noqa: DTZ007
        if end < start:
            raise ValueError(f"date range {part!r} ends before it starts")
        if (end - start).days > 366:
            raise ValueError(f"date range {part!r} is longer than a year")
        days.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
    if not days:
        raise ValueError("no dates given")
    return days


def sync_games(
    *,
    espn_league: str,
    season: int | None = None,
    week: int | None = None,
    season_type: int = 2,
    days: list[date] | None = None,
    client: EspnClient | None = None,
    on_step: Callable[[SyncStep], None] = lambda step: None,
) -> list[SyncStep]:
    """Fetch and ingest; safe to run twice (the ingest writes only what changed)."""
    client = client or espn_client()
    feed = feed_for(espn_league)
    steps = []
    for label, fetch in plan_requests(client, feed, season=season, week=week, season_type=season_type, days=days):
        scoreboard = fetch()
        result = ingest_snapshots(scoreboard.games, now=timezone.now())
        step = SyncStep(label=label, seen=len(result.seen), changed=len(result.changed))
        steps.append(step)
        on_step(step)
    return steps


def plan_requests(client, feed, *, season, week, season_type, days) -> Iterator[tuple[str, Callable]]:
    if days:
        for day in days:
            yield f"{day:%Y-%m-%d}", lambda day=day: client.scoreboard(feed, day)
        return
    if season is None:
        raise ValueError("give --season (with or without --week) or --dates")
    weeks: Mapping[int, Iterable[int]]
    if week is not None:
        weeks = {season_type: [week]}
    elif league_of(feed.espn_league).season_weeks:
        weeks = league_of(feed.espn_league).season_weeks
    else:
        raise ValueError(f"{feed.espn_league} has no weeks: give --dates instead")
    for kind, numbers in weeks.items():
        for number in numbers:
            label = f"{season} {'postseason' if kind == 3 else 'regular season'} week {number}"
            yield (
                label,
                lambda kind=kind, number=number: client.scoreboard_week(
                    feed, season=season, season_type=kind, week=number
                ),
            )
