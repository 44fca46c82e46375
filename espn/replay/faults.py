"""Fault injection for the replay server, off by default.

A fraction of ESPN requests fail in one of the ways real networks and CDNs fail; an outage
window answers 503 to everything; latency slows every answer. With a seed the sequence of
faults is the same on every run (request n always meets the same fate).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

HTTP_500 = "http500"
TIMEOUT = "timeout"  # hold the request past the client's read timeout, then drop it
HTML_200 = "html200"  # an HTML error page with status 200 (captive portal, CDN page)
HTML_502 = "html502"
TRUNCATED = "truncated"  # 200 with JSON cut short
FAULT_KINDS = (HTTP_500, TIMEOUT, HTML_200, HTML_502, TRUNCATED)
OUTAGE = "outage"  # every request inside the outage window: 503


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0  # fraction of ESPN requests that fail
    kinds: tuple[str, ...] = FAULT_KINDS  # failures drawn from these, evenly
    latency_ms: int = 0  # added to every ESPN answer
    hang_seconds: float = 30.0  # how long a TIMEOUT holds the request
    outage_start: float | None = None  # seconds after the replay's start
    outage_seconds: float = 0.0
    outage_clock: str = "real"  # "real": outage times in real seconds; "replay": in replay seconds
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if unknown := set(self.kinds) - set(FAULT_KINDS):
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if self.error_rate and not self.kinds:
            raise ValueError("an error rate needs at least one fault kind")
        if self.outage_clock not in ("real", "replay"):
            raise ValueError("outage_clock is 'real' or 'replay'")


class FaultInjector:
    """Decides each request's fate and counts what it did (for /replay/status)."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._requests = 0
        self.injected: Counter[str] = Counter()

    def in_outage(self, replay_elapsed: float, speed: float) -> bool:
        start = self.config.outage_start
        if start is None or self.config.outage_seconds <= 0:
            return False
        elapsed = replay_elapsed / speed if self.config.outage_clock == "real" else replay_elapsed
        return start <= elapsed < start + self.config.outage_seconds

    def next_fault(self, replay_elapsed: float, speed: float) -> str | None:
        """The fault for the next request (OUTAGE, a kind from FAULT_KINDS) or None."""
        with self._lock:
            self._requests += 1
            number = self._requests
        fault = OUTAGE if self.in_outage(replay_elapsed, speed) else self._draw(number)
        if fault:
            with self._lock:
                self.injected[fault] += 1
        return fault

    def _draw(self, number: int) -> str | None:
        if not self.config.error_rate:
            return None
        # Seeded per request number: the n-th request fails the same way on every run.
        rng = random.Random(f"{self.config.seed}:{number}") if self.config.seed is not None else random
        if rng.random() >= self.config.error_rate:
            return None
        return rng.choice(self.config.kinds)

    def report(self) -> dict:
        with self._lock:
            return {"requests": self._requests, "injected": dict(self.injected)}
