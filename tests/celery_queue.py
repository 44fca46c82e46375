"""The Celery broker's queue in the real Redis, read as a worker reads it.

For tests of what the ingest hands to workers: `run_queued_grading()` takes the queued
`picks.tasks.grade_games` messages and runs the task in this process, as a worker would.
"""

from __future__ import annotations

import base64
import functools
import json

import redis
from django.conf import settings

QUEUE = "celery"  # Celery's default queue: a Redis list in the broker's database


def broker() -> redis.Redis:
    return broker_at(settings.CELERY_BROKER_URL)


@functools.cache
def broker_at(url: str) -> redis.Redis:
    """One client (and connection pool) per broker URL: every database test empties the queue."""
    return redis.Redis.from_url(url)


def clear_queue() -> None:
    broker().delete(QUEUE)


def take_queued(task_name: str) -> list[tuple[list, dict]]:
    """Remove the queued messages of `task_name` (oldest first) and return their arguments; others stay."""
    client = broker()
    taken, others = [], []
    while (raw := client.rpop(QUEUE)) is not None:  # kombu pushes on the left, workers pop on the right
        message = json.loads(raw)
        if message["headers"]["task"] != task_name:
            others.append(raw)
            continue
        body = message["body"]
        if message["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, kwargs, _embed = json.loads(body)
        taken.append((args, kwargs))
    for raw in others:
        client.lpush(QUEUE, raw)
    return taken


def run_queued_grading() -> list[list[int]]:
    """Run every queued grading task here; returns each one's game ids."""
    from picks.tasks import grade_games

    queued = take_queued("picks.tasks.grade_games")
    for args, kwargs in queued:
        grade_games(*args, **kwargs)
    return [args[0] for args, _ in queued]
