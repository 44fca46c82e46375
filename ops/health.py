"""GET /health/: is this deployment able to do its job? For load balancers and uptime checks.

Four checks, one database query and one Redis round trip in all (about a millisecond):
- database: `SELECT 1`.
- redis: the round trip that reads the next two.
- poll: the last poll without an error is recent for the regime (at most twice the interval the
  poller chose, plus a minute; HEALTH_POLL_MAX_AGE overrides).
- espn: the ESPN circuit breaker is not open.
The poll and espn checks are ops.poller's rule, the one /api/status/, the admin and /metrics use.

200 {"status": "ok", "checks": {...}} or 503 {"status": "degraded", "failed": [...], "checks": {...}}.
Stuck games (games.tracking's alerts) add "warnings": [...] without failing the check: one game
stuck is for an operator to look at, not a reason to take a web process out of rotation.
`?checks=database,redis` runs only those: a load balancer should ask for these, so that an ESPN
outage (which web processes can do nothing about) does not take every web process out of rotation.
"""

from __future__ import annotations

import time
from datetime import datetime

import redis
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from config.redis_client import cache_redis
from games.tracking import warnings_of

from .poller import PollerState, read_poller_state

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


def read_redis(*, now: datetime) -> tuple[dict, PollerState | None]:
    """The redis check, and the poller's state (None when Redis is unreachable)."""
    started = time.perf_counter()
    try:
        poller = read_poller_state(cache_redis(), now=now)
    except redis.RedisError as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}, None
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": True, "ms": elapsed}, poller


def run_checks(wanted: tuple[str, ...], *, now: datetime) -> tuple[dict[str, dict], PollerState | None]:
    """The checks asked for, and the poller's state when they read it."""
    checks: dict[str, dict] = {}
    poller = None
    if "database" in wanted:
        checks["database"] = check_database()
    if {"redis", "poll", "espn"} & set(wanted):
        redis_check, poller = read_redis(now=now)
        if "redis" in wanted:
            checks["redis"] = redis_check
        unknown = {"ok": False, "error": "unknown: Redis is unavailable"}
        if "poll" in wanted:
            checks["poll"] = poller.health.poll if poller else unknown
        if "espn" in wanted:
            checks["espn"] = poller.health.espn if poller else unknown
    return checks, poller


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


@require_safe
def health_view(request: HttpRequest) -> JsonResponse:
    headers = {"Cache-Control": "no-store"}
    wanted, error = wanted_checks(request.GET.get("checks"))
    if error:
        return JsonResponse({"status": "error", "error": error}, status=400, headers=headers)
    checks, poller = run_checks(wanted, now=timezone.now())
    failed = [name for name, check in checks.items() if not check["ok"]]
    # Stuck-game alerts, from the tracker's last report (asked for with the poll check).
    warnings = warnings_of(poller.tracking) if poller and "poll" in wanted else []
    extra = {"warnings": warnings} if warnings else {}
    if failed:
        body = {"status": "degraded", "failed": failed, "checks": checks, **extra}
        return JsonResponse(body, status=503, headers=headers)
    return JsonResponse({"status": "ok", "checks": checks, **extra}, headers=headers)
