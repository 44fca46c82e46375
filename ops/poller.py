"""The one reader of the poller's state in Redis, and the one rule for "is the poller healthy".

The poller writes its state with games.live_state (the last poll and its history, the live state
and interval, the last poll without errors), the ESPN client its breaker (espn.breaker) and the
tracker its report (games.tracking). /health/, /api/status/, /metrics and the admin's panel all
read it here, in one Redis round trip, and judge it by `poller_health`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings

from config.redis_keys import (
    BREAKER_KEY,
    LAST_OK_POLL_KEY,
    LAST_POLL_KEY,
    LIVE_STATE_KEY,
    POLL_HISTORY_KEY,
    TRACKING_REPORT_KEY,
)
from espn.breaker import BREAKER_FIELDS, BreakerState, decode_breaker


@dataclass(frozen=True)
class PollerHealth:
    """Healthy: the last poll without errors is recent for the interval (at most twice it plus a
    minute, or HEALTH_POLL_MAX_AGE), and the ESPN circuit breaker is not open."""

    poll: dict  # ok, last_success_at, age_seconds, max_age_seconds, error when not ok
    espn: dict  # ok, breaker, consecutive_failures, error when not ok

    @property
    def ok(self) -> bool:
        return bool(self.poll["ok"] and self.espn["ok"])

    @property
    def problems(self) -> list[str]:
        return [check["error"] for check in (self.poll, self.espn) if not check["ok"]]


@dataclass(frozen=True)
class PollerState:
    """What Redis holds about the poller now; a key that is absent (expired, never written) is None."""

    last_poll: dict | None  # the last poll's summary (5 minutes)
    live_state: dict | None  # the regime, interval and why (3 minutes)
    last_ok_poll: dict | None  # when a poll last ran without an error, and its interval
    breaker: BreakerState
    history: list[dict]  # the latest polls first, as many as asked for
    tracking: dict | None  # the tracker's last report: followed games by status, alerts
    health: PollerHealth


def max_poll_age(*intervals: int | None) -> int:
    """Twice the shortest interval known (the last good poll's, the current one) plus a minute."""
    if settings.HEALTH_POLL_MAX_AGE:
        return int(settings.HEALTH_POLL_MAX_AGE)
    known = [i for i in intervals if i]
    interval = min(known) if known else settings.POLL_OFFSEASON_SECONDS
    return 2 * max(interval, settings.POLL_TICK_SECONDS) + 60


def poller_health(*, last_ok: dict | None, state: dict | None, breaker: BreakerState, now: datetime) -> PollerHealth:
    """The rule. `last_ok` and `state`: the poller's last good poll and live state (None when absent)."""
    state = state or {}
    poll: dict[str, object]
    if last_ok is None:
        limit = max_poll_age(state.get("interval_seconds"))
        poll = {"ok": False, "last_success_at": None, "age_seconds": None, "max_age_seconds": limit}
        poll["error"] = "no successful poll recorded"
    else:
        age = round((now - datetime.fromisoformat(last_ok["at"])).total_seconds(), 1)
        limit = max_poll_age(last_ok.get("interval_seconds"), state.get("interval_seconds"))
        poll = {"ok": age <= limit, "last_success_at": last_ok["at"], "age_seconds": age, "max_age_seconds": limit}
        if not poll["ok"]:
            poll["error"] = f"the last successful poll was {age:.0f}s ago (limit {limit}s)"
    espn: dict[str, object] = {
        "ok": not breaker.is_open,
        "breaker": breaker.state,
        "consecutive_failures": breaker.consecutive_failures,
    }
    if not espn["ok"]:
        espn["error"] = "ESPN circuit breaker open"
    return PollerHealth(poll=poll, espn=espn)


def read_poller_state(client: redis.Redis, *, now: datetime, history: int = 0) -> PollerState:
    """Everything in one round trip; `history`: how many of the latest polls to read (0: none)."""
    pipe = client.pipeline(transaction=False)
    pipe.get(LAST_POLL_KEY)
    pipe.get(LIVE_STATE_KEY)
    pipe.get(LAST_OK_POLL_KEY)
    pipe.hmget(BREAKER_KEY, list(BREAKER_FIELDS))
    pipe.get(TRACKING_REPORT_KEY)
    if history:
        pipe.lrange(POLL_HISTORY_KEY, 0, history - 1)
    raw_last_poll, raw_state, raw_last_ok, raw_breaker, raw_tracking, *raw_history = pipe.execute()
    state, last_ok = loads(raw_state), loads(raw_last_ok)
    breaker = decode_breaker(**dict(zip(BREAKER_FIELDS, raw_breaker, strict=True)))
    return PollerState(
        last_poll=loads(raw_last_poll),
        live_state=state,
        last_ok_poll=last_ok,
        breaker=breaker,
        history=[json.loads(raw) for raw in raw_history[0]] if raw_history else [],
        tracking=loads(raw_tracking),
        health=poller_health(last_ok=last_ok, state=state, breaker=breaker, now=now),
    )


def loads(raw: bytes | None) -> dict | None:
    return json.loads(raw) if raw else None
