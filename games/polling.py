"""One pass of the poller: which Eastern days to ask for, fetch, ingest, publish, plan the next poll."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config.logging import log_context
from config.redis_client import cache_redis
from config.redis_keys import ESPN_KEYS, POLL_LOCK_KEY, POLL_LOCK_TTL
from espn.client import EspnClient, EspnError, EspnRateLimited, EspnUnavailable
from espn.leagues import LeagueFeed
from espn.snapshots import GameSnapshot, Phase

from . import live_state, metrics
from .ingest import IngestResult, ingest_snapshots
from .leagues import tracked_feeds
from .live_feed import publish_live_feed
from .models import Game
from .signals import games_changed

log = logging.getLogger(__name__)

# The poll lock lives this long unless its holder renews it (every third of it, while the poll runs):
# a poll killed outright (kill -9, Celery's hard time limit) blocks polling this long at most, so the
# next live poll comes within about two live intervals.
POLL_LOCK_RENEW_SECONDS = POLL_LOCK_TTL / 3


@dataclass
class PollResult:
    started_at: datetime
    skipped: str = ""  # why the poll did not run ("not due", "another poll is running")
    duration_seconds: float = 0.0
    requests: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    errors: list[str] = field(default_factory=list)
    state: live_state.LiveState | None = None
    league_outcomes: dict[str, str] = field(default_factory=dict)  # ESPN league -> ok, error, rate_limited...

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
        redis_keys=ESPN_KEYS,
        connect_timeout=settings.ESPN_CONNECT_TIMEOUT,
        read_timeout=settings.ESPN_READ_TIMEOUT,
        max_retries=settings.ESPN_MAX_RETRIES,
        rate_limit_per_second=settings.ESPN_RATE_LIMIT_PER_SECOND,
        breaker_fail_max=settings.ESPN_BREAKER_FAIL_MAX,
        breaker_reset_seconds=settings.ESPN_BREAKER_RESET_SECONDS,
        on_request=metrics.observe_espn_request,
    )


def days_to_poll(feeds: Sequence[LeagueFeed], now: datetime) -> dict[LeagueFeed, list[date]]:
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
    with log_context(league=",".join(feed.espn_league for feed in tracked_feeds())):
        try:
            if not force and not live_state.poll_is_due(redis_client):
                result.skipped = "not due yet"
                metrics.POLL_RUNS.labels("skipped_not_due").inc()
                return result
            # thread_local=False: the renewing thread acts with the token this thread acquired.
            lock = redis_client.lock(POLL_LOCK_KEY, timeout=POLL_LOCK_TTL, thread_local=False)
            if not lock.acquire(blocking=False):
                result.skipped = "another poll is running"
                metrics.POLL_RUNS.labels("skipped_locked").inc()
                log.info("poll skipped: another poll is running")
                return result
        except redis.RedisError as exc:
            poll_failed(exc, "poll not started: Redis unavailable")
            raise
        try:
            with renewed(lock):
                run_poll(result, client or espn_client(), redis_client, now)
        except Exception as exc:
            # Nothing half-done is left: the ingest is one transaction, and the next poll rebuilds Redis.
            poll_failed(exc, "poll failed")
            raise
        finally:
            release(lock)
        metrics.POLL_RUNS.labels("ok" if result.ok else "errors").inc()
        metrics.POLL_SECONDS.observe(result.duration_seconds)
    return result


def poll_failed(exc: BaseException, event: str) -> None:
    metrics.POLL_RUNS.labels("failed").inc()
    log.error(event, extra={"error": f"{exc.__class__.__name__}: {exc}"})


@contextmanager
def renewed(lock: redis.lock.Lock) -> Iterator[None]:
    """Keep the lock while the block runs: a thread puts its TTL back to full every POLL_LOCK_RENEW_SECONDS."""
    done = threading.Event()

    def renew() -> None:
        while not done.wait(POLL_LOCK_RENEW_SECONDS):
            try:
                lock.reacquire()
            except redis.exceptions.LockNotOwnedError:
                log.warning("poll lock lost while the poll ran: another poll may start")
                return
            except redis.RedisError as exc:  # try again at the next renewal; the poll itself will fail or not
                log.warning("poll lock not renewed: Redis unavailable", extra={"error": str(exc)})

    thread = threading.Thread(target=renew, name="poll-lock-renewal", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def release(lock: redis.lock.Lock) -> None:
    try:
        lock.release()
    except redis.exceptions.LockError:
        log.warning("poll lock expired before the poll finished")
    except redis.RedisError as exc:  # its TTL frees it once Redis is back
        log.warning("poll lock not released: Redis unavailable", extra={"error": str(exc)})


def run_poll(result: PollResult, client: EspnClient, redis_client: redis.Redis, now: datetime) -> None:
    clock_start = time.monotonic()
    requests_before = client.requests_made
    feeds = tracked_feeds()
    snapshots: list[GameSnapshot] = []
    rate_limited_until: datetime | None = None
    for feed, days in days_to_poll(feeds, now).items():
        with log_context(league=feed.espn_league):
            outcome = "ok"
            for day in days:
                try:
                    scoreboard = client.scoreboard(feed, day)
                except EspnError as exc:
                    outcome = scoreboard_failed(result, feed, day, exc, outcome)
                    if isinstance(exc, EspnRateLimited):
                        rate_limited_until = now + timedelta(seconds=exc.retry_after)
                    continue
                for skipped in scoreboard.skipped:
                    log.warning("skipped unreadable event", extra={"game": skipped.espn_id, "reason": skipped.reason})
                snapshots.extend(scoreboard.games)
            result.league_outcomes[feed.espn_league] = outcome
    result.ingest = ingest_snapshots(snapshots, now=now)
    count_leagues_and_finals(result, snapshots)
    result.requests = client.requests_made - requests_before
    result.duration_seconds = time.monotonic() - clock_start
    if rate_limited_until is not None:
        live_state.record_retry_after(redis_client, rate_limited_until, now=now)
    publish_after_poll(result, redis_client, now)
    log_poll(result, snapshots)


def scoreboard_failed(result: PollResult, feed: LeagueFeed, day: date, exc: EspnError, outcome: str) -> str:
    """Note one failed scoreboard; returns the league's outcome so far (its first failure names it)."""
    result.errors.append(f"{feed.espn_league} {day:%Y-%m-%d}: {exc}")
    if isinstance(exc, EspnRateLimited):
        kind, event = "rate_limited", "espn scoreboard rate limited"
    elif isinstance(exc, EspnUnavailable):
        kind, event = "breaker_open", "espn scoreboard not asked: circuit breaker open"
    else:
        kind, event = "error", "espn scoreboard failed"
    log.warning(event, extra={"day": day.isoformat(), "status": exc.status, "error": str(exc)})
    return kind if outcome == "ok" else outcome


def count_leagues_and_finals(result: PollResult, snapshots: list[GameSnapshot]) -> None:
    for league, outcome in result.league_outcomes.items():
        metrics.POLLS.labels(league, outcome).inc()
    league_of = {s.espn_id: s.espn_league for s in snapshots}
    for espn_id in result.ingest.went_final:
        metrics.GAMES_FINAL.labels(league_of.get(espn_id, "unknown")).inc()


def publish_after_poll(result: PollResult, redis_client: redis.Redis, now: datetime) -> None:
    # A poll with errors may have left the database without today's games: retry after a short backoff
    # rather than sleep for the regime that an unfilled database suggests.
    backoff = None if result.ok else live_state.record_failed_poll(redis_client)
    state = live_state.compute_live_state(
        now=now, retry_after_until=live_state.retry_after_until(redis_client), failure_backoff=backoff
    )
    result.state = state
    live_state.publish_live_state(redis_client, state, now=now)
    publish_live_feed(redis_client, now=now)
    if result.ingest.changed:
        games_changed.send(sender=Game, espn_ids=list(result.ingest.changed))
    live_state.record_last_poll(redis_client, result.summary())
    if result.ok:
        live_state.record_successful_poll(redis_client, at=result.started_at, interval_seconds=state.interval_seconds)


def log_poll(result: PollResult, snapshots: Sequence[GameSnapshot] = ()) -> None:
    """One line per league polled, one per game that changed (went final: info), one for the whole poll."""
    ingest = result.ingest
    changed, final = set(ingest.changed), set(ingest.went_final)
    for league, outcome in result.league_outcomes.items():
        in_league = [s.espn_id for s in snapshots if s.espn_league == league]
        changed_here = sum(1 for espn_id in in_league if espn_id in changed)
        log.info(
            "league polled",
            extra={"league": league, "outcome": outcome, "seen": len(in_league), "changed": changed_here},
        )
    for snapshot in snapshots:
        if snapshot.espn_id not in changed:
            continue
        went_final = snapshot.espn_id in final
        log.log(
            logging.INFO if went_final else logging.DEBUG,
            "game went final" if went_final else "game changed",
            extra={
                "game": snapshot.espn_id,
                "league": snapshot.espn_league,
                "score": f"{snapshot.away.score}-{snapshot.home.score}",
                "status": snapshot.status.name,
            },
        )
        changed.discard(snapshot.espn_id)  # a game on two days' scoreboards is logged once
    state = result.state
    log.info(
        "poll done",
        extra={
            "seen": len(ingest.seen), "changed": len(ingest.changed), "final": len(ingest.went_final),
            "requests": result.requests, "errors": len(result.errors), "took": round(result.duration_seconds, 3),
            "next_poll_seconds": state.interval_seconds if state else None,
            "regime": state.regime if state else None, "reason": state.reason if state else None,
        },
    )  # fmt: skip


def refresh_live_state(*, now: datetime | None = None) -> live_state.LiveState:
    """Recompute the interval between polls (kickoffs approach even when nothing changes)."""
    now = now or timezone.now()
    redis_client = cache_redis()
    state = live_state.compute_live_state(
        now=now,
        retry_after_until=live_state.retry_after_until(redis_client),
        failure_backoff=live_state.pending_failure_backoff(redis_client),
    )
    live_state.publish_live_state(redis_client, state, now=now, only_sooner=True)
    return state


def update_single_game(espn_id: str, *, now: datetime | None = None, client: EspnClient | None = None) -> IngestResult:
    """Fetch one game from ESPN's summary endpoint and ingest it, its plays included."""
    from .plays import store_plays

    now = now or timezone.now()
    game = Game.objects.only("espn_league").get(espn_id=espn_id)
    with log_context(game=espn_id, league=game.espn_league):
        summary = (client or espn_client()).summary(LeagueFeed(game.espn_league), espn_id)
        result = ingest_snapshots([summary.game], now=now)
        store_plays(game.pk, summary, now=now)
        for _ in result.went_final:
            metrics.GAMES_FINAL.labels(game.espn_league).inc()
        log.info(
            "game updated from its summary",
            extra={"changed": bool(result.changed), "went_final": bool(result.went_final)},
        )
    return result
