"""GET /health/: is this deployment able to do its job? For load balancers and uptime checks.

Four checks, one database query and one Redis round trip in all (about a millisecond):
- database: `SELECT 1`.
- redis: the round trip that reads the next two.
- poll: the last poll without an error is recent for the regime (at most twice the interval the
  poller chose, plus a minute; HEALTH_POLL_MAX_AGE overrides).
- espn: the ESPN circuit breaker is not open.

200 {"status": "ok", "checks": {...}} or 503 {"status": "degraded", "failed": [...], "checks": {...}}.
Stuck games (games.tracking's alerts) add "warnings": [...] without failing the check: one game
stuck is for an operator to look at, not a reason to take a web process out of rotation.
`?checks=database,redis` runs only those: a load balancer should ask for these, so that an ESPN
outage (which web processes can do nothing about) does not take every web process out of rotation.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.redis_client import cache_redis
from espn.breaker import BREAKER_KEY

from . import live_state

CHECKS = ("database", "redis", "poll", "espn")


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}".strip()}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def read_redis() -> tuple[dict, tuple | None]:
    """The redis check, and what the poll and espn checks need (None when Redis is unreachable)."""
    started = time.perf_counter()
    try:
        pipe = cache_redis().pipeline(transaction=False)
        pipe.get(live_state.LAST_OK_POLL_KEY)
        pipe.get(live_state.LIVE_STATE_KEY)
        pipe.hmget(BREAKER_KEY, "state", "fail_counter", "opened_at")
        last_ok, state, breaker = pipe.execute()
    except redis.RedisError as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}, None
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": True, "ms": elapsed}, (last_ok, state, breaker)


def max_poll_age(last_interval: int | None, current_interval: int | None) -> int:
    if settings.HEALTH_POLL_MAX_AGE:
        return settings.HEALTH_POLL_MAX_AGE
    known = [i for i in (last_interval, current_interval) if i]
    interval = min(known) if known else settings.POLL_OFFSEASON_SECONDS
    return 2 * max(interval, settings.POLL_TICK_SECONDS) + 60


def check_poll(raw_last_ok: bytes | None, raw_state: bytes | None, *, now: datetime) -> dict:
    state = json.loads(raw_state) if raw_state else {}
    if not raw_last_ok:
        return {"ok": False, "error": "no successful poll recorded", "max_age_seconds": max_poll_age(None, None)}
    last_ok = json.loads(raw_last_ok)
    age = round((now - datetime.fromisoformat(last_ok["at"])).total_seconds(), 1)
    limit = max_poll_age(last_ok.get("interval_seconds"), state.get("interval_seconds"))
    result = {"ok": age <= limit, "last_success_at": last_ok["at"], "age_seconds": age, "max_age_seconds": limit}
    if not result["ok"]:
        result["error"] = f"the last successful poll was {age:.0f}s ago (limit {limit}s)"
    return result


def check_espn(breaker: list) -> dict:
    state = breaker[0].decode() if breaker[0] else "closed"
    result = {"ok": state != "open", "breaker": state, "consecutive_failures": int(breaker[1] or 0)}
    if not result["ok"]:
        result["error"] = "the ESPN circuit breaker is open: ESPN failed repeatedly, polls are paused"
    return result


def run_checks(wanted: tuple[str, ...], *, now: datetime) -> dict[str, dict]:
    checks: dict[str, dict] = {}
    if "database" in wanted:
        checks["database"] = check_database()
    if {"redis", "poll", "espn"} & set(wanted):
        redis_check, values = read_redis()
        if "redis" in wanted:
            checks["redis"] = redis_check
        unknown = {"ok": False, "error": "unknown: Redis is unavailable"}
        if "poll" in wanted:
            checks["poll"] = check_poll(values[0], values[1], now=now) if values else unknown
        if "espn" in wanted:
            checks["espn"] = check_espn(values[2]) if values else unknown
    return checks


def wanted_checks(raw: str | None) -> tuple[tuple[str, ...], str]:
    """The checks asked for by ?checks=, and an error message when the parameter is not understood."""
    if raw is None:
        return CHECKS, ""
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in CHECKS]
    if unknown or not names:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5]) or "nothing"
        return (), f"checks: {shown} is not a check; use a comma-separated list of {', '.join(CHECKS)}"
    return names, ""


@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    headers = {"Cache-Control": "no-store"}
    wanted, error = wanted_checks(request.GET.get("checks"))
    if error:
        return JsonResponse({"status": "error", "error": error}, status=400, headers=headers)
    checks = run_checks(wanted, now=timezone.now())
    failed = [name for name, check in checks.items() if not check["ok"]]
    extra = {"warnings": warnings} if (warnings := game_warnings(wanted)) else {}
    if failed:
        body = {"status": "degraded", "failed": failed, "checks": checks, **extra}
        return JsonResponse(body, status=503, headers=headers)
    return JsonResponse({"status": "ok", "checks": checks, **extra}, headers=headers)


def game_warnings(wanted: tuple[str, ...]) -> list[str]:
    """Stuck-game alerts, from the tracker's last report (asked for with the poll check)."""
    from .tracking import read_report, warnings_of

    if "poll" not in wanted:
        return []
    try:
        return warnings_of(read_report(cache_redis()))
    except redis.RedisError:
        return []
