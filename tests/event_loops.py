"""Running a coroutine from a sync test, whatever else the test session has running.

Playwright's sync API (the browser tests' session-scoped Chromium) keeps an event loop running in
the main thread for the rest of the session, so `asyncio.run` or `loop.run_until_complete` there
fails with "cannot be called from a running event loop" in every later test. A thread of its own
has no running loop.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_own_thread(function: Callable[[], T]) -> T:
    """Call `function` in a fresh thread (which has no running event loop) and return what it returns."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()
