"""DRF's per-client throttles, failing open: an unreachable Redis must not turn every API answer into a 500.

They key anonymous clients on ratelimit.client_address (not DRF's get_ident, which trusts
X-Forwarded-For when no proxy is configured) and read rates with the sign-in limit's parser.

The pages and the API keep serving from the database while Redis is down; the limit comes back with it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis
from rest_framework import throttling

from .ratelimit import client_address, parse_rate

if TYPE_CHECKING:  # DRF's views import this module (DEFAULT_THROTTLE_CLASSES) while they load
    from rest_framework.request import Request
    from rest_framework.views import APIView

log = logging.getLogger(__name__)


class FailOpenMixin(throttling.SimpleRateThrottle):
    """Mixed in before DRF's AnonRateThrottle or UserRateThrottle (both SimpleRateThrottles)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            log.warning("API throttle not applied: Redis unavailable", extra={"error": str(exc)})
            return True

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return (None, None) if rate is None else parse_rate(rate)


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass
