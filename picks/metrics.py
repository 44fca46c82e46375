"""Prometheus counters of pick'em's grading, counted where it happens; ops.metrics serves them at /metrics."""

from __future__ import annotations

from prometheus_client import Counter

PICKS_GRADED = Counter("scores_picks_graded_total", "Picks graded, by outcome: final (scored) or void.", ["outcome"])
GAMES_GRADED = Counter(
    "scores_games_graded_total", "Games whose picks were graded (regrades included), by outcome.", ["outcome"]
)


def record_grading(outcome: str, picks: int) -> None:
    GAMES_GRADED.labels(outcome).inc()
    if picks:
        PICKS_GRADED.labels(outcome).inc(picks)
