"""Run several pieces of work at the same instant, each in its own thread with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_at_once(works: list[Callable[[], Any]], *, timeout: float = 60) -> list:
    """Start every work together (a barrier), wait for all; their results, and no exception in any."""
    barrier = threading.Barrier(len(works))
    results, errors = [], []

    def worker(work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return results
