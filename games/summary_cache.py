"""Plays, scoring plays and win probability of one game, from ESPN's summary, cached in Redis.

Fetched on demand by the game page and GET /api/games/<id>/, not by the poll: only games someone
is looking at cost an ESPN request, and the poll's cost stays what it was. The cache entry
`scores:summary:{espn_id}` is fresh for 15 s while the game is live and 6 h once it is over, and
is kept much longer than that as a stale copy (stale-while-revalidate):

- fresh: served as is;
- stale or missing: one request per game takes a short Redis lock and fetches; everyone else
  (and that request too, when ESPN fails) gets the stale copy, or an empty summary marked
  "unavailable" when there is none;
- the page fetch uses its own `EspnClient` with short timeouts, no retries and an in-process
  breaker, so a slow ESPN delays a page by two or three seconds at most and page traffic can
  never open the poller's shared breaker. It does respect that breaker: while it is open the
  page does not call ESPN at all.

Scheduled games have no plays yet: nothing is fetched for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import orjson
import redis
from django.conf import settings
from django.utils import timezone

from espn.breaker import read_breaker
from espn.client import EspnClient, EspnError, LeagueFeed
from espn.snapshots import GameSummary, Phase, PlaySnapshot

from .metrics import observe_espn_request
from .models import Game

log = logging.getLogger(__name__)

SUMMARY_KEY = "scores:summary:{espn_id}"
SUMMARY_LOCK_KEY = "scores:summary_lock:{espn_id}"
FRESH_LIVE = timedelta(seconds=15)
FRESH_SETTLED = timedelta(hours=6)
KEEP_LIVE = timedelta(hours=2)
KEEP_SETTLED = timedelta(days=7)
FETCH_LOCK_SECONDS = 10  # also the pause before retrying after a failed fetch

# Status of the summary part of a game's answer.
FRESH, STALE, UNAVAILABLE, NOT_STARTED = "fresh", "stale", "unavailable", "not_started"


@dataclass
class CachedSummary:
    status: str
    fetched_at: str | None = None
    plays: list[dict] = field(default_factory=list)  # game order (oldest first)
    win_probability: list[dict] = field(default_factory=list)

    @property
    def scoring_plays(self) -> list[dict]:
        return [play for play in self.plays if play["scoring_play"]]

    def latest_plays(self, limit: int) -> list[dict]:
        return self.plays[::-1][:limit] if limit > 0 else []


def play_payload(play: PlaySnapshot) -> dict:
    return {
        "id": play.espn_id,
        "sequence": play.sequence,
        "period": play.period,
        "clock": play.clock,
        "text": play.text,
        "type": play.type_text,
        "home_score": play.home_score,
        "away_score": play.away_score,
        "scoring_play": play.scoring_play,
        "team_espn_id": play.team_espn_id,
        "down_distance_text": play.down_distance_text,
    }


def summary_document(summary: GameSummary, *, fetched_at: datetime, settled: bool) -> dict:
    plays = [play_payload(play) for play in summary.plays]
    # Each point carries its play's game time, so the chart can run on the clock rather than the play count.
    play_of = {play["id"]: play for play in plays}
    win_probability = [
        {
            "play_id": point.play_espn_id,
            "period": play_of.get(point.play_espn_id, {}).get("period"),
            "clock": play_of.get(point.play_espn_id, {}).get("clock", ""),
            "home": point.home_win_pct,
        }
        for point in summary.win_probability
    ]
    fresh_for = FRESH_SETTLED if settled else FRESH_LIVE
    return {
        "fetched_at": fetched_at.isoformat(),
        "fresh_until": (fetched_at + fresh_for).timestamp(),
        "plays": plays,
        "win_probability": win_probability,
    }


def store_summary(client: redis.Redis, espn_id: str, summary: GameSummary, *, now: datetime) -> dict:
    settled = summary.game.status.phase.is_settled
    document = summary_document(summary, fetched_at=now, settled=settled)
    keep = KEEP_SETTLED if settled else KEEP_LIVE
    client.set(SUMMARY_KEY.format(espn_id=espn_id), orjson.dumps(document), ex=int(keep.total_seconds()))
    return document


@lru_cache(maxsize=1)
def page_espn_client() -> EspnClient:
    """ESPN for page requests: short timeouts, no retries, a breaker of its own (see the module doc)."""
    return EspnClient(
        base_url=settings.ESPN_BASE_URL,
        user_agent=settings.ESPN_USER_AGENT,
        redis_client=None,
        connect_timeout=min(1.0, settings.ESPN_CONNECT_TIMEOUT),
        read_timeout=min(2.0, settings.ESPN_READ_TIMEOUT),
        max_retries=0,
        breaker_fail_max=3,
        breaker_reset_seconds=60,
        on_request=observe_espn_request,  # /metrics: ESPN latency and errors from web processes too
    )


def _cached(document: dict | None, status: str) -> CachedSummary:
    if document is None:
        return CachedSummary(status=status)
    return CachedSummary(
        status=status,
        fetched_at=document["fetched_at"],
        plays=document["plays"],
        win_probability=document["win_probability"],
    )


def game_summary(game: Game, *, now: datetime | None = None, client: redis.Redis | None = None) -> CachedSummary:
    """The game's summary for a page or the API: cached, refreshed at most once per game at a time."""
    if game.phase == Phase.SCHEDULED:
        return CachedSummary(status=NOT_STARTED)
    from config.redis_client import cache_redis

    now = now or timezone.now()
    client = client or cache_redis()
    key = SUMMARY_KEY.format(espn_id=game.espn_id)
    try:
        raw = client.get(key)
    except redis.RedisError:
        log.warning("summary cache unavailable game=%s", game.espn_id)
        return CachedSummary(status=UNAVAILABLE)
    document = orjson.loads(raw) if raw else None
    if document is not None and document["fresh_until"] > now.timestamp():
        return _cached(document, FRESH)
    fallback = STALE if document is not None else UNAVAILABLE
    try:
        if read_breaker(client)["state"] == "open":
            return _cached(document, fallback)
        if not client.set(SUMMARY_LOCK_KEY.format(espn_id=game.espn_id), "1", nx=True, ex=FETCH_LOCK_SECONDS):
            return _cached(document, fallback)  # someone else is fetching it right now
    except redis.RedisError:
        return _cached(document, fallback)
    try:
        summary = page_espn_client().summary(LeagueFeed(game.espn_league), game.espn_id)
    except EspnError as exc:
        # The lock stays until it expires: the next attempt waits FETCH_LOCK_SECONDS.
        log.warning("espn summary for the game page failed game=%s league=%s: %s", game.espn_id, game.espn_league, exc)
        return _cached(document, fallback)
    try:
        document = store_summary(client, game.espn_id, summary, now=now)
        client.delete(SUMMARY_LOCK_KEY.format(espn_id=game.espn_id))
    except redis.RedisError:
        document = summary_document(summary, fetched_at=now, settled=summary.game.status.phase.is_settled)
    return _cached(document, FRESH)
