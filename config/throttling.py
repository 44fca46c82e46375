"""DRF's per-client throttles, failing open: an unreachable Redis must not turn every API answer into a 500.

They key anonymous clients on ratelimit.client_address (not DRF's get_ident, which trusts
X-Forwarded-For when no proxy is configured) and read rates with the sign-in limit's parser.

The pages and the API keep serving from the database while Redis is down; the limit comes back with it.
"""

from __future__ import annotations

import logging

import redis
from rest_framework import throttling

from .ratelimit import client_address, parse_rate

log = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            log.warning("API throttle not applied: Redis unavailable", extra={"error": str(exc)})
            return True

    def get_ident(self, request) -> str:
        return client_address(request)

    def parse_rate(self, rate):
        return (None, None) if rate is None else parse_rate(rate)


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass
