"""Running a coroutine from a sync test, whatever else the test session has running.

Playwright's sync API (the browser tests' session-scoped Chromium) keeps an event loop running in
the main thread for the rest of the session, so `asyncio.run` or `loop.run_until_complete` there
fails with "cannot be called from a running event loop" in every later test. A thread of its own
has no running loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_own_thread(function: Callable[[], T]) -> T:
    """Call `function` in a fresh thread (which has no running event loop) and return what it returns."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def run_in_new_loop(
    coroutine: Coroutine[Any, Any, T], loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
) -> T:
    """Run `coroutine` in a fresh event loop in its own thread; then let every task the run left
    (a stream hub's subscription, still listening) finish its cancellation before the loop closes."""

    def in_a_loop() -> T:
        loop = loop_factory()
        try:
            return loop.run_until_complete(coroutine)
        finally:
            while pending := asyncio.all_tasks(loop):
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    return in_own_thread(in_a_loop)
