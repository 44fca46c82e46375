"""Replay time. The server asks a clock for "now"; tests hand it a clock they move by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class ReplayClock:
    """Replay time = origin + real elapsed time x speed (speed 60: a real second is a minute)."""

    def __init__(self, origin: datetime, speed: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        if origin.tzinfo is None:
            raise ValueError("origin must be timezone-aware")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.origin = origin
        self.speed = speed
        self._monotonic = monotonic
        self._started = monotonic()

    def now(self) -> datetime:
        return self.origin + timedelta(seconds=(self._monotonic() - self._started) * self.speed)


class ManualClock:
    """A clock that stands still until told to move: `set(moment)` or `advance(seconds)`."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        self._moment = moment
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._moment

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._moment = moment

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._moment += timedelta(seconds=seconds)
            return self._moment
