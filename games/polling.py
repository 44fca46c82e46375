"""One pass of the poller: which Eastern days to ask for, fetch, ingest, publish, plan the next poll."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config.redis_client import cache_redis
from espn.client import EspnClient, EspnError, EspnRateLimited, LeagueFeed
from espn.snapshots import GameSnapshot, Phase

from . import live_state
from .ingest import IngestResult, ingest_snapshots
from .live_feed import publish_live_feed
from .models import Game
from .snapshot_cache import publish_game_snapshots

log = logging.getLogger(__name__)

POLL_LOCK_TIMEOUT = 45  # longer than the task's hard time limit, so a killed poll frees it soon after


@dataclass
class PollResult:
    started_at: datetime
    skipped: str = ""  # why the poll did not run ("not due", "another poll is running")
    duration_seconds: float = 0.0
    requests: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    errors: list[str] = field(default_factory=list)
    state: live_state.LiveState | None = None

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.errors

    def summary(self) -> dict:
        return {
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "requests": self.requests,
            "seen": len(self.ingest.seen),
            "changed": len(self.ingest.changed),
            "went_final": len(self.ingest.went_final),
            "errors": self.errors,
            "interval_seconds": self.state.interval_seconds if self.state else None,
            "regime": self.state.regime if self.state else None,
        }


@lru_cache(maxsize=1)
def espn_client() -> EspnClient:
    """One client (one HTTP session, one breaker) per process."""
    return EspnClient(
        base_url=settings.ESPN_BASE_URL,
        user_agent=settings.ESPN_USER_AGENT,
        redis_client=cache_redis(),
        connect_timeout=settings.ESPN_CONNECT_TIMEOUT,
        read_timeout=settings.ESPN_READ_TIMEOUT,
        max_retries=settings.ESPN_MAX_RETRIES,
        rate_limit_per_second=settings.ESPN_RATE_LIMIT_PER_SECOND,
        breaker_fail_max=settings.ESPN_BREAKER_FAIL_MAX,
        breaker_reset_seconds=settings.ESPN_BREAKER_RESET_SECONDS,
    )


def league_feeds() -> list[LeagueFeed]:
    return [LeagueFeed.parse(spec) for spec in settings.ESPN_LEAGUES]


def days_to_poll(feeds: list[LeagueFeed], now: datetime) -> dict[LeagueFeed, list[date]]:
    """Today (Eastern) for every league; yesterday while one of its games is unsettled; tomorrow near midnight."""
    eastern_now = now.astimezone(live_state.EASTERN)
    today = eastern_now.date()
    yesterday_start, yesterday_end = live_state.eastern_day_bounds(-1, now)
    unsettled_yesterday = set(
        Game.objects.filter(
            espn_league__in=[f.espn_league for f in feeds], kickoff__gte=yesterday_start, kickoff__lt=yesterday_end
        )
        .filter(Q(phase=Phase.SCHEDULED) | Q(phase=Phase.LIVE) | Q(phase=Phase.SUSPENDED))
        .order_by()
        .values_list("espn_league", flat=True)
        .distinct()
    )
    plan = {}
    for feed in feeds:
        days = [today]
        if feed.espn_league in unsettled_yesterday:
            days.insert(0, today - timedelta(days=1))
        if eastern_now.hour == 23:
            days.append(today + timedelta(days=1))
        plan[feed] = days
    return plan


def poll_scoreboards(
    *, force: bool = False, now: datetime | None = None, client: EspnClient | None = None
) -> PollResult:
    """The poll: skipped unless due (or forced), never two at once."""
    now = now or timezone.now()
    redis_client = cache_redis()
    result = PollResult(started_at=now)
    if not force and not live_state.poll_is_due(redis_client):
        result.skipped = "not due yet"
        return result
    lock = redis_client.lock(live_state.POLL_LOCK_KEY, timeout=POLL_LOCK_TIMEOUT, blocking=False)
    if not lock.acquire(blocking=False):
        result.skipped = "another poll is running"
        return result
    try:
        run_poll(result, client or espn_client(), redis_client, now)
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            log.warning("poll lock expired before the poll finished")
    return result


def run_poll(result: PollResult, client: EspnClient, redis_client: redis.Redis, now: datetime) -> None:
    clock_start = time.monotonic()
    requests_before = client.requests_made
    feeds = league_feeds()
    snapshots: list[GameSnapshot] = []
    rate_limited_until: datetime | None = None
    for feed, days in days_to_poll(feeds, now).items():
        for day in days:
            try:
                scoreboard = client.scoreboard(feed, day)
            except EspnRateLimited as exc:
                rate_limited_until = now + timedelta(seconds=exc.retry_after)
                result.errors.append(f"{feed.espn_league} {day:%Y-%m-%d}: {exc}")
                log.warning("espn scoreboard rate limited league=%s day=%s: %s", feed.espn_league, day, exc)
                continue
            except EspnError as exc:
                result.errors.append(f"{feed.espn_league} {day:%Y-%m-%d}: {exc}")
                log.warning("espn scoreboard failed league=%s day=%s: %s", feed.espn_league, day, exc)
                continue
            for skipped in scoreboard.skipped:
                log.warning(
                    "skipped unreadable event game=%s league=%s: %s", skipped.espn_id, feed.espn_league, skipped.reason
                )
            snapshots.extend(scoreboard.games)
    snapshots.extend(follow_games_off_the_scoreboard(client, feeds, {s.espn_id for s in snapshots}, result))
    result.ingest = ingest_snapshots(snapshots, now=now)
    result.requests = client.requests_made - requests_before
    result.duration_seconds = time.monotonic() - clock_start
    if rate_limited_until is not None:
        live_state.record_retry_after(redis_client, rate_limited_until, now=now)
    publish_after_poll(result, redis_client, now)
    log_poll(result)


def follow_games_off_the_scoreboard(
    client: EspnClient, feeds: list[LeagueFeed], seen: set[str], result: PollResult
) -> list[GameSnapshot]:
    """A game once seen live is followed through its summary until final, even off the scoreboard window."""
    feed_by_league = {feed.espn_league: feed for feed in feeds}
    orphans = Game.objects.filter(phase=Phase.LIVE, espn_league__in=feed_by_league).exclude(espn_id__in=seen)
    snapshots = []
    for espn_id, espn_league in orphans.values_list("espn_id", "espn_league"):
        try:
            snapshots.append(client.summary(feed_by_league[espn_league], espn_id).game)
        except EspnError as exc:
            result.errors.append(f"{espn_league} game {espn_id}: {exc}")
            log.warning("espn summary failed game=%s league=%s: %s", espn_id, espn_league, exc)
    return snapshots


def publish_after_poll(result: PollResult, redis_client: redis.Redis, now: datetime) -> None:
    publish_game_snapshots(redis_client, result.ingest.seen)
    state = live_state.compute_live_state(now=now, retry_after_until=live_state.retry_after_until(redis_client))
    result.state = state
    live_state.publish_live_state(redis_client, state, now=now)
    publish_live_feed(redis_client, now=now)
    live_state.record_last_poll(redis_client, result.summary())


def log_poll(result: PollResult) -> None:
    ingest = result.ingest
    log.info(
        "poll done seen=%d changed=%d final=%d requests=%d errors=%d took=%.2fs next=%ss (%s)",
        len(ingest.seen), len(ingest.changed), len(ingest.went_final), result.requests,
        len(result.errors), result.duration_seconds,
        result.state.interval_seconds if result.state else "?", result.state.reason if result.state else "",
    )  # fmt: skip
    for espn_id in ingest.changed:
        log.debug("game changed game=%s", espn_id)


def refresh_live_state(*, now: datetime | None = None) -> live_state.LiveState:
    """Recompute the interval between polls (kickoffs approach even when nothing changes)."""
    now = now or timezone.now()
    redis_client = cache_redis()
    state = live_state.compute_live_state(now=now, retry_after_until=live_state.retry_after_until(redis_client))
    live_state.publish_live_state(redis_client, state, now=now, only_sooner=True)
    return state


def update_single_game(espn_id: str, *, now: datetime | None = None, client: EspnClient | None = None) -> IngestResult:
    """Fetch one game from ESPN's summary endpoint and ingest it."""
    now = now or timezone.now()
    game = Game.objects.only("espn_league").get(espn_id=espn_id)
    summary = (client or espn_client()).summary(LeagueFeed(game.espn_league), espn_id)
    result = ingest_snapshots([summary.game], now=now)
    publish_game_snapshots(cache_redis(), result.seen)
    return result
