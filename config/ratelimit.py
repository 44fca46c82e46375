"""A fixed-window rate limit counted in Redis, shared by every web process; and the login limit built on it.

`login_rate_limited(view)` counts sign-in (and sign-up) POSTs per client address and per username,
LOGIN_RATE_LIMIT each (e.g. "10/min"); past it the view answers 429 with Retry-After and a
sentence saying when to try again, without checking the password. If Redis is unreachable the
limit is not applied (logged): signing in must not depend on the cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from config.redis_keys import RATE_LIMIT_KEY

from .redis_client import cache_redis

log = logging.getLogger(__name__)

UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@functools.lru_cache(maxsize=32)
def parse_rate(rate: str) -> tuple[int, int]:
    """Read a rate: "10/min" is (10, 60), "5/15m" is (5, 900). The one reading of every limit's rate."""
    match = RATE.match(rate.lower())
    if not match or match.group(3) not in UNITS:
        raise ValueError(f"rate {rate!r} is not of the form N/unit or N/<count><unit>, e.g. 10/min or 5/15m")
    return int(match.group(1)), int(match.group(2) or 1) * UNITS[match.group(3)]


def hit(scope: str, kind: str, ident: str, *, limit: int, window: int) -> int:
    """Count one request; returns 0 when allowed, else the seconds until the window resets."""
    key = RATE_LIMIT_KEY.format(scope=scope, kind=kind, ident=ident)
    pipe = cache_redis().pipeline(transaction=True)
    pipe.set(key, 0, ex=window, nx=True)
    pipe.incr(key)
    pipe.ttl(key)
    _, count, ttl = pipe.execute()
    return 0 if count <= limit else max(1, ttl)


async def ahit(client: aioredis.Redis, scope: str, kind: str, ident: str, *, limit: int, window: int) -> int:
    """`hit` for async views, on the caller's async client."""
    key = RATE_LIMIT_KEY.format(scope=scope, kind=kind, ident=ident)
    async with client.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    return 0 if count <= limit else max(1, ttl)


def client_address(request: HttpRequest) -> str:
    """The client's address for every limit (API throttles, sign-in, sign-up).

    Without a proxy (API_NUM_PROXIES=0) only the socket address counts: X-Forwarded-For is whatever
    the client wrote. Behind N proxies, each appends the address it saw, so the client is the Nth
    from the right (the leftmost when the header is shorter). DRF's own get_ident instead keys on the
    whole header when NUM_PROXIES is unset, which hands every forged value a fresh allowance.
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.API_NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


def username_ident(request: HttpRequest) -> str:
    username = request.POST.get("username", "")[:150].strip().lower()
    return hashlib.blake2b(username.encode(), digest_size=12).hexdigest() if username else ""


def too_many(wait: int) -> HttpResponse:
    body = format_html(
        "<!doctype html><title>Too many attempts</title><h1>Too many attempts</h1>"
        "<p>Too many sign-in attempts from here or for this username. Try again in {} seconds.</p>",
        wait,
    )
    return HttpResponse(body, status=429, headers={"Retry-After": str(wait)})


def login_rate_limited(view: Callable[..., HttpResponse], scope: str = "login") -> Callable[..., HttpResponse]:
    """Limit POSTs to a sign-in or sign-up view per address and per username (LOGIN_RATE_LIMIT each)."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST" and settings.LOGIN_RATE_LIMIT:
            limit, window = parse_rate(settings.LOGIN_RATE_LIMIT)
            idents = [("ip", client_address(request)), ("user", username_ident(request))]
            try:
                wait = max(hit(scope, kind, ident, limit=limit, window=window) for kind, ident in idents if ident)
            except redis.RedisError as exc:
                log.warning("login rate limit not applied: Redis unavailable", extra={"error": str(exc)})
                wait = 0
            if wait:
                log.warning("login rate limited", extra={"scope": scope, "client": client_address(request)})
                return too_many(wait)
        return view(request, *args, **kwargs)

    return limited
