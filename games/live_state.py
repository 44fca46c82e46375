"""Whether games are live, the polling interval that follows from it, and the poll gate, in Redis.

Beat fires `poll_espn_scores` every few seconds; the poll runs only when the gate key
`scores:next_poll_at` has expired (or when forced). The gate's expiry is the chosen
interval, so the effective cadence follows the live state without rewriting beat's schedule.

This module writes the poller's state; ops.poller is its one reader (for /health/, /api/status/,
/metrics and the admin), with the one rule that says whether the poller is healthy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Count, Min, Q

from config.redis_keys import (
    FAILED_POLLS_KEY,
    FAILED_POLLS_TTL,
    LAST_OK_POLL_KEY,
    LAST_OK_POLL_TTL,
    LAST_POLL_KEY,
    LAST_POLL_TTL,
    LIVE_STATE_KEY,
    LIVE_STATE_TTL,
    NEXT_POLL_KEY,
    POLL_HISTORY_KEY,
    POLL_HISTORY_LENGTH,
    RETRY_AFTER_KEY,
)
from espn import EASTERN
from espn.snapshots import Phase

from .leagues import tracked_leagues
from .models import Game

# After a poll with errors the database may not know today's games (ESPN down on a fresh deploy): the
# next poll comes after this backoff, never later, whatever the regime computed from the database says.
FAILED_POLL_BACKOFF_FIRST = 30
FAILED_POLL_BACKOFF_MAX = 300

# Followed games (games.tracking, games.summary_fetch)

KICKOFF_LEAD = timedelta(minutes=10)  # live cadence this long before a kickoff
LATE_START_GRACE = timedelta(hours=3)  # a game past its kickoff but still "scheduled" may start any second


@dataclass(frozen=True)
class LiveState:
    live_count: int
    next_kickoff: datetime | None
    games_today: int
    regime: str  # "live", "idle" or "offseason"
    interval_seconds: int
    reason: str
    next_poll_at: datetime
    computed_at: datetime

    @property
    def has_live_games(self) -> bool:
        return self.live_count > 0

    def to_json(self) -> str:
        data = asdict(self)
        data["has_live_games"] = self.has_live_games
        for key in ("next_kickoff", "next_poll_at", "computed_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data)


def eastern_day_bounds(day_offset: int, now: datetime) -> tuple[datetime, datetime]:
    """UTC bounds of an Eastern calendar day: 0 today, -1 yesterday."""
    eastern_today = now.astimezone(EASTERN).date() + timedelta(days=day_offset)
    start = datetime.combine(eastern_today, datetime.min.time(), tzinfo=EASTERN)
    return start, start + timedelta(days=1)


def compute_live_state(
    *, now: datetime, retry_after_until: datetime | None = None, failure_backoff: int | None = None
) -> LiveState:
    """One query: live count, next kickoff and today's games across the tracked ESPN leagues."""
    today_start, today_end = eastern_day_bounds(0, now)
    summary = Game.objects.filter(espn_league__in=tracked_leagues()).aggregate(
        live_count=Count("pk", filter=Q(phase=Phase.LIVE)),
        next_kickoff=Min("kickoff", filter=Q(phase=Phase.SCHEDULED, kickoff__gte=now - LATE_START_GRACE)),
        games_today=Count("pk", filter=Q(kickoff__gte=today_start, kickoff__lt=today_end)),
    )
    return choose_interval(
        live_count=summary["live_count"],
        next_kickoff=summary["next_kickoff"],
        games_today=summary["games_today"],
        now=now,
        retry_after_until=retry_after_until,
        failure_backoff=failure_backoff,
    )


def choose_interval(
    *,
    live_count: int,
    next_kickoff: datetime | None,
    games_today: int,
    now: datetime,
    retry_after_until: datetime | None = None,
    failure_backoff: int | None = None,
) -> LiveState:
    """The regime and when to poll next. `failure_backoff`: seconds, when the last poll had errors."""
    if live_count:
        regime, interval = "live", settings.POLL_LIVE_SECONDS
        reason = f"{live_count} game{'s' if live_count != 1 else ''} live"
    elif next_kickoff is not None and next_kickoff - now <= KICKOFF_LEAD:
        regime, interval = "live", settings.POLL_LIVE_SECONDS
        when = "passed" if next_kickoff <= now else "within 10 minutes"
        reason = f"kickoff at {next_kickoff:%H:%M} UTC {when}"
    elif games_today:
        regime, interval = "idle", settings.POLL_IDLE_SECONDS
        reason = f"{games_today} game{'s' if games_today != 1 else ''} today, none live"
    else:
        regime, interval = "offseason", settings.POLL_OFFSEASON_SECONDS
        reason = "no games today"
    next_poll_at = now + timedelta(seconds=interval)
    if regime != "live" and next_kickoff is not None and next_kickoff - KICKOFF_LEAD < next_poll_at:
        # Wake up for the next kickoff rather than sleeping through it.
        next_poll_at = max(now, next_kickoff - KICKOFF_LEAD)
        reason += f"; next kickoff {next_kickoff:%a %H:%M} UTC"
    elif regime != "live" and next_kickoff is not None:
        reason += f"; next kickoff {next_kickoff:%a %d %b %H:%M} UTC"
    if failure_backoff is not None and now + timedelta(seconds=failure_backoff) < next_poll_at:
        next_poll_at = now + timedelta(seconds=failure_backoff)
        reason += f"; the last poll failed, retrying in {failure_backoff}s"
    if retry_after_until is not None and retry_after_until > next_poll_at:
        next_poll_at = retry_after_until
        reason += f"; ESPN asked us to wait until {retry_after_until:%H:%M:%S} UTC"
    return LiveState(
        live_count=live_count,
        next_kickoff=next_kickoff,
        games_today=games_today,
        regime=regime,
        interval_seconds=int((next_poll_at - now).total_seconds()),
        reason=reason,
        next_poll_at=next_poll_at,
        computed_at=now,
    )


def publish_live_state(client: redis.Redis, state: LiveState, *, now: datetime, only_sooner: bool = False) -> None:
    """Store the live state and move the poll gate. `only_sooner` never delays a poll already planned."""
    delay_ms = max(1, int((state.next_poll_at - now).total_seconds() * 1000))
    pipe = client.pipeline()
    pipe.set(LIVE_STATE_KEY, state.to_json(), ex=LIVE_STATE_TTL)
    if only_sooner:
        current_ttl = client.pttl(NEXT_POLL_KEY)
        if 0 < current_ttl <= delay_ms:
            pipe.execute()
            return
    pipe.set(NEXT_POLL_KEY, state.next_poll_at.isoformat(), px=delay_ms)
    pipe.execute()


def poll_is_due(client: redis.Redis, tick_seconds: float | None = None) -> bool:
    """Due when the gate has expired, or will within half a beat tick: otherwise a tick that lands
    just before the due time would push the poll a whole tick late."""
    tick = settings.POLL_TICK_SECONDS if tick_seconds is None else tick_seconds
    remaining_ms = client.pttl(NEXT_POLL_KEY)  # -2: no gate, -1: gate without expiry (never set so)
    return remaining_ms < 0 or remaining_ms <= tick * 500


def record_retry_after(client: redis.Redis, until: datetime, *, now: datetime) -> None:
    seconds = max(1, int((until - now).total_seconds()))
    client.set(RETRY_AFTER_KEY, until.isoformat(), ex=seconds)


def retry_after_until(client: redis.Redis) -> datetime | None:
    raw = client.get(RETRY_AFTER_KEY)
    if not raw:
        return None
    return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)


def record_last_poll(client: redis.Redis, summary: dict) -> None:
    encoded = json.dumps(summary)
    pipe = client.pipeline()
    pipe.set(LAST_POLL_KEY, encoded, ex=LAST_POLL_TTL)
    pipe.lpush(POLL_HISTORY_KEY, encoded)
    pipe.ltrim(POLL_HISTORY_KEY, 0, POLL_HISTORY_LENGTH - 1)
    pipe.execute()


def record_successful_poll(client: redis.Redis, *, at: datetime, interval_seconds: int) -> None:
    """A poll that reached ESPN for every league and stored what it got (health checks its age)."""
    encoded = json.dumps({"at": at.isoformat(), "interval_seconds": interval_seconds})
    pipe = client.pipeline()
    pipe.set(LAST_OK_POLL_KEY, encoded, ex=LAST_OK_POLL_TTL)
    pipe.delete(FAILED_POLLS_KEY)  # the backoff starts again from its first step
    pipe.execute()


def record_failed_poll(client: redis.Redis) -> int:
    """Count a poll with errors; returns the seconds to wait before the next: 30, 60, 120, 240, then 300."""
    pipe = client.pipeline()
    pipe.incr(FAILED_POLLS_KEY)
    pipe.expire(FAILED_POLLS_KEY, FAILED_POLLS_TTL)
    failures, _ = pipe.execute()
    return failure_backoff(failures)


def pending_failure_backoff(client: redis.Redis) -> int | None:
    """The backoff after the last poll, when it had errors (None when it had none)."""
    failures = int(client.get(FAILED_POLLS_KEY) or 0)
    return failure_backoff(failures) if failures else None


def failure_backoff(failures: int) -> int:
    doublings = min(failures - 1, 10)  # bounded: 2**10 * 30 s is already past the maximum
    return min(FAILED_POLL_BACKOFF_FIRST * 2**doublings, FAILED_POLL_BACKOFF_MAX)
