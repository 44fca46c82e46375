"""Games from real recorded ESPN JSON, ingested and published the way a poll does it.

Used by the API, page and browser tests (and reusable by end-to-end tests):

    result = ingest_fixture(NFL_LIVE_DAY, "football/nfl", now=SUNDAY_2022)
    publish(result, now=SUNDAY_2022)   # snapshots, live state, live feed: publish_after_poll
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from config.redis_client import cache_redis
from espn import EASTERN
from espn.parsing import parse_scoreboard, parse_summary
from espn.snapshots import GameSnapshot, GameSummary
from games.ingest import IngestResult, ingest_snapshots
from games.polling import PollResult, publish_after_poll
from tests.espn_fixtures import load_fixture

NFL_LIVE_DAY = "nfl/scoreboard-2022-wk01-20220911-live-mixed.json"  # 16 games: 8 live, 6 pre, 2 final
NFL_FINAL_DAY = "nfl/scoreboard-20241215-wk15-sunday-final.json"  # 13 finals
CFB_LIVE_DAY = "college-football/scoreboard-2022-wk03-20220917-fbs-groups80-live-mixed.json"  # 25 games
GB_AT_ATL_SUMMARY = "nfl/summary-401547417-2023-wk02-GB-at-ATL-final.json"
REPO_DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "live.png"  # the README's picture

# 14:30 Eastern on NFL_LIVE_DAY's Sunday: 14 games that Eastern day, 8 of them live.
SUNDAY_2022 = datetime(2022, 9, 11, 18, 30, tzinfo=UTC)
NO_AT_ATL = "401437650"  # live, 4th quarter, NO 24 ATL 26, NO has the ball
TB_AT_DAL = "401437644"  # scheduled, Sunday night (00:20 UTC Monday), odds TB -2.5
NE_AT_MIA = "401437630"  # final, NE 7 MIA 20


def payload(relative: str) -> dict:
    return copy.deepcopy(load_fixture(relative))


def scoreboard_snapshots(source: str | dict, espn_league: str) -> list[GameSnapshot]:
    data = payload(source) if isinstance(source, str) else source
    return list(parse_scoreboard(data, espn_league).games)


def set_score(data: dict, espn_id: str, *, home: int, away: int) -> dict:
    """Change one game's score in a scoreboard payload, as a later poll would see it."""
    event = next(e for e in data["events"] if e["id"] == espn_id)
    for competitor in event["competitions"][0]["competitors"]:
        competitor["score"] = str(home if competitor["homeAway"] == "home" else away)
    return data


def rebased(snapshots: list[GameSnapshot], *, recorded_at: datetime, now: datetime) -> list[GameSnapshot]:
    """Move kickoffs so that the recording's moment `recorded_at` is `now` (for tests that cannot travel)."""
    shift = now - recorded_at
    return [dataclasses.replace(s, kickoff=s.kickoff + shift) for s in snapshots]


def recording_moment_today(snapshots: list[GameSnapshot], *, recorded_at: datetime, now: datetime) -> datetime:
    """Where to move `recorded_at` so that the recording's games of that Eastern day stay on now's Eastern day.

    Now, unless now is too early (or too late) in the Eastern day for the recording's first (last)
    kickoff to stay on it: pages list today's games by their Eastern date, and tests run at any hour.
    """
    day = recorded_at.astimezone(EASTERN).date()
    offsets = [s.kickoff - recorded_at for s in snapshots if s.kickoff.astimezone(EASTERN).date() == day]
    midnight = datetime.combine(now.astimezone(EASTERN).date(), time.min, EASTERN)
    earliest = midnight - min(offsets) + timedelta(minutes=1)
    latest = midnight + timedelta(days=1) - max(offsets) - timedelta(minutes=1)
    return min(max(now, earliest), latest)


def ingest(snapshots: list[GameSnapshot], *, now: datetime) -> IngestResult:
    return ingest_snapshots(snapshots, now=now)


def ingest_fixture(relative: str, espn_league: str, *, now: datetime) -> IngestResult:
    return ingest(scoreboard_snapshots(relative, espn_league), now=now)


def publish(result: IngestResult, *, now: datetime) -> PollResult:
    """What a poll does after its commit: snapshots, live state, live feed, last-poll record."""
    poll = PollResult(started_at=now, ingest=result, requests=1)
    publish_after_poll(poll, cache_redis(), now)
    return poll


def summary(relative: str = GB_AT_ATL_SUMMARY, espn_league: str = "football/nfl") -> GameSummary:
    return parse_summary(payload(relative), espn_league)


@pytest.fixture(autouse=True)
def fresh_live_feed_process_state(settings):
    """Each test sees Redis as it is: no metadata kept from an earlier test, no throttle counts."""
    from games import live_feed

    settings.LIVE_FEED_LOCAL_SECONDS = 0
    live_feed.forget_local_copy()
    live_feed.throttle = live_feed.WindowThrottle()
    yield
    live_feed.forget_local_copy()
