"""Prometheus counters of what the poller and the ESPN client did, counted where they happen.

Declared here, beside the code that counts them (pick'em's are in picks.metrics); `ops.metrics`
serves them at GET /metrics with the web's own and the poller's state read from Redis.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# --------------------------------------------------------------------------- the poller

POLL_RUNS = Counter(
    "scores_poll_runs_total",
    "Poll runs by outcome: ok, errors (some ESPN calls failed), failed (the poll raised: Redis or the "
    "database down), skipped_not_due, skipped_locked (another poll was running).",
    ["outcome"],
)
POLLS = Counter(
    "scores_polls_total",
    "Scoreboard polls per ESPN league and outcome: ok, error, rate_limited, breaker_open.",
    ["league", "outcome"],
)
POLL_SECONDS = Histogram(
    "scores_poll_duration_seconds",
    "How long a poll that ran took, ESPN requests and ingest included.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 45),
)
GAMES_FINAL = Counter("scores_games_final_total", "Games that went final, by ESPN league.", ["league"])
SUMMARY_FETCHES = Counter(
    "scores_summary_fetches_total",
    "Summaries of followed games fetched by the worker, by why (watched, unwatched, final) or why not "
    "(error, over_budget, breaker_open).",
    ["outcome"],
)
PLAYS_STORED = Counter("scores_plays_stored_total", "New plays stored from summaries.")

# --------------------------------------------------------------------------- ESPN

ESPN_REQUEST_SECONDS = Histogram(
    "scores_espn_request_duration_seconds",
    "One HTTP attempt to ESPN (retries are attempts of their own), by endpoint.",
    ["endpoint"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13),
)
ESPN_REQUESTS = Counter(
    "scores_espn_requests_total",
    "HTTP attempts to ESPN by endpoint and outcome (ok, timeout, connection, bad_payload, http_NNN).",
    ["endpoint", "outcome"],
)
ESPN_ERRORS = Counter(
    "scores_espn_request_errors_total",
    "Failed HTTP attempts to ESPN by endpoint and kind (the outcomes other than ok).",
    ["endpoint", "kind"],
)


def observe_espn_request(endpoint: str, outcome: str, seconds: float) -> None:
    """The ESPN client's `on_request` hook (espn/ knows nothing of Prometheus)."""
    ESPN_REQUEST_SECONDS.labels(endpoint).observe(seconds)
    ESPN_REQUESTS.labels(endpoint, outcome).inc()
    if outcome != "ok":
        ESPN_ERRORS.labels(endpoint, outcome).inc()
