"""GET /metrics: what the poller, ESPN, grading and the web did, and the poller's state from Redis.

Events are counted where they happen (a poll, an ESPN request, a grading, a web request), in
whichever process did them. Under gunicorn and Celery those are many processes: with
PROMETHEUS_MULTIPROC_DIR set (the Procfile, `make run` and docker-compose set it) each process
writes its counters to files there and /metrics adds up every process of the machine
(prometheus_client's multiprocess mode; gunicorn's `child_exit` and Celery's
`worker_process_shutdown` tell it when a process is gone). A worker on a machine without a web
process serves the same at WORKER_METRICS_PORT.

State shared by all processes (the breaker, the polling interval, live games, the last good
poll) lives in Redis; /metrics reads it when scraped, so it is right whichever process wrote it.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any

import redis
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.redis_client import cache_redis
from espn.breaker import BREAKER_STATES, BreakerState
from games import metrics as games_metrics  # noqa: F401 - declares the poller's and ESPN's series here
from picks import metrics as picks_metrics  # noqa: F401 - and pick'em's

from .poller import read_poller_state

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- the web

HTTP_SECONDS = Histogram(
    "scores_http_request_duration_seconds",
    "Time to answer a request, by endpoint (the URL's name) and method.",
    ["endpoint", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HTTP_REQUESTS = Counter(
    "scores_http_requests_total", "Requests by endpoint, method and status code.", ["endpoint", "method", "status"]
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --------------------------------------------------------------------------- request latency


def endpoint_label(request: HttpRequest) -> str:
    """A bounded label: the URL pattern's name, never the raw path (ids would explode the series)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    """First in MIDDLEWARE: times everything below it, whitenoise and the views included."""

    # Both: under ASGI a sync-only middleware would send every request through one thread.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        # Django hands the next layer's callable: it answers a response, or under ASGI an awaitable of one.
        self.get_response = get_response
        self._timers: dict[tuple[str, str], Histogram] = {}
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self.observe(request, response, time.perf_counter() - started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = await self.get_response(request)
        self.observe(request, response, time.perf_counter() - started)
        return response

    def observe(self, request: HttpRequest, response: HttpResponseBase, elapsed: float) -> None:
        method = request.method if request.method in METHODS else "other"
        endpoint = endpoint_label(request)
        timer = self._timers.get((endpoint, method))
        if timer is None:
            timer = self._timers.setdefault((endpoint, method), HTTP_SECONDS.labels(endpoint, method))
        timer.observe(elapsed)
        HTTP_REQUESTS.labels(endpoint, method, str(response.status_code)).inc()


# --------------------------------------------------------------------------- shared state, read at scrape time


class PollerStateCollector(Collector):
    """The breaker, the polling interval, live games and the last good poll, from Redis."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("scores_redis_up", "1 when /metrics could read the poller's state from Redis.")
        try:
            poller = read_poller_state(cache_redis(), now=timezone.now())
        except redis.RedisError as exc:
            log.warning("metrics: Redis unavailable, poller state not reported", extra={"error": str(exc)})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        healthy = GaugeMetricFamily(
            "scores_poller_healthy",
            "1 when the poller is healthy by the rule of /health/ and /api/status/: a recent poll without "
            "errors, the ESPN breaker not open.",
        )
        healthy.add_metric([], 1 if poller.health.ok else 0)
        yield healthy
        yield from breaker_metrics(poller.breaker)
        yield from live_state_metrics(poller.live_state)
        if last_ok := poller.last_ok_poll:
            gauge = GaugeMetricFamily(
                "scores_last_successful_poll_timestamp_seconds",
                "When the last poll without any error started (Unix time).",
            )
            gauge.add_metric([], datetime.fromisoformat(last_ok["at"]).timestamp())
            yield gauge
        yield from tracking_metrics(poller.tracking)


def breaker_metrics(breaker: BreakerState) -> Iterator[GaugeMetricFamily]:
    current = breaker.state
    states = GaugeMetricFamily(
        "scores_espn_breaker_state", "The ESPN circuit breaker: 1 for its current state.", labels=["state"]
    )
    for name in BREAKER_STATES:
        states.add_metric([name], 1 if name == current else 0)
    yield states
    counter = GaugeMetricFamily(
        "scores_espn_breaker_consecutive_failures", "Consecutive failed ESPN calls the breaker has counted."
    )
    counter.add_metric([], breaker.consecutive_failures)
    yield counter
    if breaker.opened_at and not breaker.is_closed:
        opened = GaugeMetricFamily("scores_espn_breaker_opened_timestamp_seconds", "When the breaker last opened.")
        opened.add_metric([], breaker.opened_at.timestamp())
        yield opened


def live_state_metrics(state: dict | None) -> Iterator[GaugeMetricFamily]:
    if state is None:  # no poll or interval adjustment for 3 minutes: say nothing rather than stale numbers
        return
    for name, key, help_text in (
        ("scores_poll_interval_seconds", "interval_seconds", "Seconds until the next poll, as the poller chose."),
        ("scores_live_games", "live_count", "Games live now across the tracked ESPN leagues."),
        ("scores_games_today", "games_today", "Games on today's (Eastern) schedule."),
    ):
        gauge = GaugeMetricFamily(name, help_text)
        gauge.add_metric([], float(state.get(key) or 0))
        yield gauge
    regime = GaugeMetricFamily("scores_poll_regime", "The polling regime: 1 for the current one.", labels=["regime"])
    for name in ("live", "idle", "offseason"):
        regime.add_metric([name], 1 if state.get("regime") == name else 0)
    yield regime


def tracking_metrics(report: dict | None) -> Iterator[GaugeMetricFamily]:
    """Followed games by status and stuck-game alerts, from the tracker's last report (games.tracking)."""
    if report is None:
        return
    statuses = GaugeMetricFamily("scores_followed_games", "Followed games by tracking status.", labels=["status"])
    for status, count in report["statuses"].items():
        statuses.add_metric([status], count)
    yield statuses
    alerts = GaugeMetricFamily(
        "scores_game_alerts",
        "Games with a stuck-game alert: live_too_long, not_started, ungraded, failing.",
        labels=["alert"],
    )
    for alert, count in report["alerts"].items():
        alerts.add_metric([alert], count)
    yield alerts


# --------------------------------------------------------------------------- exposition


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry() -> CollectorRegistry:
    """Every process of this machine when in multiprocess mode, else this process."""
    path = multiprocess_dir()
    if not path:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


_state_registry = CollectorRegistry(auto_describe=False)
_state_registry.register(PollerStateCollector())


def authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode())


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not authorized(request):
        return HttpResponse(
            "A bearer token is required: Authorization: Bearer <METRICS_TOKEN>.\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body = generate_latest(process_registry()) + generate_latest(_state_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------- process lifecycle hooks


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit and Celery's worker_process_shutdown: drop a dead process's live gauges."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid, path)


def start_worker_metrics_server(port: int) -> None:
    """A Celery worker's own /metrics (its pool's processes), for machines without a web process."""
    from prometheus_client import start_http_server

    start_http_server(port, registry=process_registry())
    log.info("worker metrics served", extra={"port": port, "multiprocess": bool(multiprocess_dir())})
