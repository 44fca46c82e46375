"""DRF's per-client throttles, failing open: an unreachable Redis must not turn every API answer into a 500.

The pages and the API keep serving from the database while Redis is down; the limit comes back with it.
"""

from __future__ import annotations

import logging

import redis
from rest_framework import throttling

log = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            log.warning("API throttle not applied: Redis unavailable", extra={"error": str(exc)})
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass
