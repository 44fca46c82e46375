"""The worker follows live games through ESPN's summary: plays stored as data, demand-aware, within a budget.

Beat offers `follow_games` every POLL_TICK_SECONDS. Each run (one at a time, under a Redis lock):
1. brings the tracking records up to date (games.tracking), at most every TRACKING_SYNC_TTL;
2. fetches the summary of every followed game that is due:
   - live and watched (its stream has subscribers, `STREAM_SUBSCRIBERS_KEY`): every
     SUMMARY_WATCHED_SECONDS (the live cadence); live and unwatched: every SUMMARY_UNWATCHED_SECONDS;
   - at halftime and between periods (the status's pause): not at all; the first
     fetch once play resumes picks up what happened;
   - once when it goes final (`final_fetch_at`), for the last plays;
   - whatever its record says live at startup is due at once: a restarted worker follows it
     without waiting for a scoreboard, and a game that went final meanwhile is finished (and its
     picks graded) by that first fetch.
   Watched games and finals first; never more than SUMMARY_MAX_PER_MINUTE summary requests in a
   clock minute across every worker. Everything goes through the poller's ESPN client: its rate
   limit and its circuit breaker (an open breaker ends the run).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.logging import log_context
from config.redis_client import cache_redis
from config.redis_keys import (
    FOLLOW_LOCK_KEY,
    FOLLOW_LOCK_TTL,
    PLAYS_CHANNEL,
    STREAM_SUBSCRIBERS_KEY,
    SUMMARY_BUDGET_KEY,
    SUMMARY_BUDGET_TTL,
    TRACKING_SYNC_KEY,
    TRACKING_SYNC_TTL,
)
from espn.client import EspnClient, EspnError, EspnUnavailable
from espn.leagues import LeagueFeed
from espn.snapshots import GameSummary, Pause, Phase, pause_of

from . import metrics
from .ingest import ingest_snapshots
from .leagues import tracked_leagues
from .models import GameTracking, TrackingStatus
from .plays import store_plays
from .tracking import sync_tracking

log = logging.getLogger(__name__)

FINAL_FETCH_WINDOW = timedelta(hours=36)  # a game final longer ago than this gets no final fetch
FETCHES_PER_RUN = 10  # the rest wait for the next run, 2 s later: a run stays well inside its time limit


@dataclass(frozen=True)
class DueGame:
    game_id: int
    espn_id: str
    espn_league: str
    phase: str
    reason: str  # "final", "watched", "unwatched"
    failures: int  # consecutive failed fetches before this one

    @property
    def failing(self) -> bool:
        return self.failures >= settings.TRACKING_MAX_FAILURES


@dataclass
class FollowResult:
    fetched: list[str] = field(default_factory=list)  # espn ids
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    over_budget: list[str] = field(default_factory=list)
    plays_added: int = 0
    went_final: list[str] = field(default_factory=list)
    skipped: str = ""


def subscribers(client: redis.Redis, game_ids: list[int]) -> dict[int, int]:
    """Stream subscribers per game, as the stream side counts them (one round trip)."""
    if not game_ids:
        return {}
    keys = [STREAM_SUBSCRIBERS_KEY.format(game_id=game_id) for game_id in game_ids]
    try:
        values = client.mget(keys)
    except redis.RedisError:
        return {}
    counts = {}
    for game_id, value in zip(game_ids, values, strict=True):
        try:
            counts[game_id] = max(0, int(value or 0))
        except ValueError:
            counts[game_id] = 0
    return counts


def due_games(*, now: datetime, client: redis.Redis) -> tuple[list[DueGame], list[str]]:
    """(the games whose summary is due now, best first; the live games paused between periods)."""
    followed = Q(game__phase__in=[Phase.LIVE, Phase.SUSPENDED]) | Q(
        status__in=[TrackingStatus.LIVE, TrackingStatus.FAILED]
    )
    final_pending = Q(
        game__phase=Phase.FINAL, final_fetch_at__isnull=True, game__final_at__gte=now - FINAL_FETCH_WINDOW
    )
    rows = list(
        GameTracking.objects.filter(followed | final_pending)
        .filter(game__espn_league__in=tracked_leagues())
        .values_list(
            "game_id", "game__espn_id", "game__espn_league", "game__phase", "game__status_name",
            "last_attempt_at", "consecutive_failures", "final_fetch_at",
        )
    )  # fmt: skip
    watchers = subscribers(client, [row[0] for row in rows])
    due, paused = [], []
    for game_id, espn_id, league, phase, status_name, last_attempt, failures, final_fetch in rows:
        if phase in Phase.VOID:
            continue
        if phase == Phase.LIVE and pause_of(status_name) is not Pause.NONE:
            paused.append(espn_id)
            continue
        watched = watchers.get(game_id, 0) > 0
        interval = settings.SUMMARY_WATCHED_SECONDS if watched else settings.SUMMARY_UNWATCHED_SECONDS
        if last_attempt is not None and (now - last_attempt).total_seconds() < interval - 0.5:
            continue
        if phase == Phase.FINAL:
            # One fetch for the last plays; a final whose summary keeps failing is left to its alert.
            if final_fetch is None and failures < settings.TRACKING_MAX_FAILURES:
                due.append(DueGame(game_id, espn_id, league, phase, "final", failures))
            continue
        due.append(DueGame(game_id, espn_id, league, phase, "watched" if watched else "unwatched", failures))
    order = {"final": 0, "watched": 1, "unwatched": 2}
    due.sort(key=lambda d: (order[d.reason], d.failing, d.game_id))
    return due, paused


def take_budget(client: redis.Redis, now: datetime) -> bool:
    """One summary request out of this minute's SUMMARY_MAX_PER_MINUTE, shared by every worker."""
    key = SUMMARY_BUDGET_KEY.format(minute=int(now.timestamp() // 60))
    try:
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, SUMMARY_BUDGET_TTL)
        used = pipe.execute()[0]
    except redis.RedisError:
        return True  # the ESPN client's own rate limit still applies
    return used <= settings.SUMMARY_MAX_PER_MINUTE


def follow_games(*, now: datetime | None = None, client: EspnClient | None = None) -> FollowResult:
    """One run of the follower (the beat task's body)."""
    from .polling import espn_client

    now = now or timezone.now()
    redis_client = cache_redis()
    result = FollowResult()
    lock = redis_client.lock(FOLLOW_LOCK_KEY, timeout=FOLLOW_LOCK_TTL, blocking=False)
    if not lock.acquire(blocking=False):
        result.skipped = "another run is following games"
        return result
    try:
        if redis_client.set(TRACKING_SYNC_KEY, now.isoformat(), nx=True, ex=TRACKING_SYNC_TTL):
            sync_tracking(now=now, client=redis_client)
        due, result.paused = due_games(now=now, client=redis_client)
        fetch_due(due[:FETCHES_PER_RUN], client or espn_client(), redis_client, now=now, result=result)
    finally:
        with contextlib.suppress(redis.RedisError):  # expired or Redis gone: its timeout frees it
            lock.release()
    if result.went_final:
        redis_client.delete(TRACKING_SYNC_KEY)  # the next run records the final at once
    if result.fetched or result.failed or result.over_budget:
        trouble = result.failed or result.over_budget or result.went_final
        log.log(
            logging.INFO if trouble else logging.DEBUG,
            "games followed",
            extra={
                "fetched": len(result.fetched), "failed": len(result.failed), "paused": len(result.paused),
                "over_budget": len(result.over_budget), "plays_added": result.plays_added,
            },
        )  # fmt: skip
    return result


def fetch_due(
    due: list[DueGame], client: EspnClient, redis_client: redis.Redis, *, now: datetime, result: FollowResult
) -> None:
    for index, game in enumerate(due):
        if not take_budget(redis_client, now):
            result.over_budget = [g.espn_id for g in due[index:]]
            metrics.SUMMARY_FETCHES.labels("over_budget").inc(len(result.over_budget))
            log.warning("summary budget spent for this minute", extra={"waiting": len(result.over_budget)})
            return
        with log_context(game=game.espn_id, league=game.espn_league):
            try:
                summary = client.summary(LeagueFeed(game.espn_league), game.espn_id)
            except EspnUnavailable as exc:
                result.over_budget = [g.espn_id for g in due[index:]]
                log.warning("summaries not fetched: circuit breaker open", extra={"error": str(exc)})
                metrics.SUMMARY_FETCHES.labels("breaker_open").inc()
                return
            except EspnError as exc:
                record_failure(game, exc, now=now)
                result.failed.append(game.espn_id)
                metrics.SUMMARY_FETCHES.labels("error").inc()
                log.warning("espn summary failed", extra={"error": str(exc), "status": exc.status})
                continue
            store_summary(game, summary, redis_client, now=now, result=result)
            metrics.SUMMARY_FETCHES.labels(game.reason).inc()


def store_summary(
    game: DueGame, summary: GameSummary, redis_client: redis.Redis, *, now: datetime, result: FollowResult
) -> None:
    """Plays above the watermark (and corrections); the game itself when the summary is further along."""
    started = time.monotonic()
    reported = summary.game.status.phase
    if reported != game.phase and (reported.is_settled or reported == Phase.LIVE):
        # A game gone final (or live) while its scoreboard was not looked at: the ingest announces it.
        ingested = ingest_snapshots([summary.game], now=now)
        result.went_final.extend(ingested.went_final)
        for _ in ingested.went_final:
            metrics.GAMES_FINAL.labels(game.espn_league).inc()
    with transaction.atomic():  # the plays and the record that says they were fetched, together
        stored = store_plays(game.game_id, summary, now=now)
        record_success(game, final=reported == Phase.FINAL, now=now)
    result.plays_added += len(stored.added)
    result.fetched.append(game.espn_id)
    if stored.changed:
        announce_plays(redis_client, game.game_id, stored.watermark)
    metrics.PLAYS_STORED.inc(len(stored.added))
    log.debug(
        "summary stored",
        extra={
            "added": len(stored.added), "corrected": len(stored.corrected), "watermark": stored.watermark,
            "took": round(time.monotonic() - started, 3),
        },
    )  # fmt: skip


def record_success(game: DueGame, *, final: bool, now: datetime) -> None:
    updates = {"last_attempt_at": now, "last_success_at": now, "consecutive_failures": 0, "last_error": ""}
    if final:
        updates["final_fetch_at"] = now
    if game.failures:
        updates["retries"] = F("retries") + 1
    GameTracking.objects.filter(pk=game.game_id).update(**updates)


def record_failure(game: DueGame, exc: EspnError, *, now: datetime) -> None:
    """One more failure in a row; every attempt after the first failure counts as a retry."""
    GameTracking.objects.filter(pk=game.game_id).update(
        last_attempt_at=now,
        consecutive_failures=F("consecutive_failures") + 1,
        last_error=f"{exc.__class__.__name__}: {exc}"[:300],
        retries=F("retries") + (1 if game.failures else 0),
    )


def announce_plays(client: redis.Redis, game_id: int, watermark: int | None) -> None:
    """Tell the game's stream that plays were stored (it reads them with games.plays.new_since)."""
    try:
        message = "" if watermark is None else str(watermark)
        client.publish(PLAYS_CHANNEL.format(game_id=game_id), message)
    except redis.RedisError as exc:
        log.warning("plays stored but not announced: Redis unavailable", extra={"error": str(exc)})
