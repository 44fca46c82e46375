"""The poller's panel above the admin's games list, and the button that resets the ESPN breaker.

An operator sees the polling interval and why, the last polls, the ESPN circuit breaker (with a
button to reset it) and a link to django-celery-beat's schedules, where they run the season from:
the games list. The games admin is games.admin's; this adds the panel to it, so that games knows
nothing of how its poller is watched.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.redis_client import cache_redis
from config.redis_keys import BREAKER_KEY
from espn.breaker import read_breaker, reset_breaker
from games.admin import GameAdmin
from games.models import Game

from .poller import read_poller_state

log = logging.getLogger(__name__)


class GameAdminWithPoller(GameAdmin):
    change_list_template = "admin/ops/game_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "poller": poller_status(),
            "has_change_permission": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self) -> list[URLPattern]:
        reset = self.admin_site.admin_view(self.reset_breaker_view)
        return [path("breaker/reset/", reset, name="games_game_breaker_reset"), *super().get_urls()]

    def reset_breaker_view(self, request: HttpRequest) -> HttpResponse:
        return reset_breaker_view(request, self)


admin.site.unregister(Game)
admin.site.register(Game, GameAdminWithPoller)


@require_POST
def reset_breaker_view(request: HttpRequest, model_admin: GameAdmin) -> HttpResponse:
    """Close the ESPN breaker now (after fixing what tripped it), rather than waiting out its timeout."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    try:
        before = read_breaker(cache_redis(), BREAKER_KEY)["state"]
        reset_breaker(cache_redis(), BREAKER_KEY)
    except redis.RedisError as exc:
        model_admin.message_user(request, f"Breaker not reset: Redis unavailable ({exc}).", messages.ERROR)
    else:
        user = request.user.get_username()
        log.warning("espn circuit breaker reset from the admin", extra={"user": user, "was": before})
        model_admin.message_user(request, f"ESPN circuit breaker reset (it was {before}).", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:games_game_changelist"))


TIME_FIELDS = ("started_at", "next_poll_at", "at")


def with_times(record: dict | None) -> dict | None:
    """The record with its ISO timestamps as datetimes, for the template to show as times of day."""
    if record is None:
        return None
    return {
        key: datetime.fromisoformat(value) if key in TIME_FIELDS and isinstance(value, str) else value
        for key, value in record.items()
    }


def poller_status() -> dict:
    """What an operator needs at a glance: the interval and why, the last polls, the breaker."""
    try:
        poller = read_poller_state(cache_redis(), now=timezone.now(), history=10)
    except (redis.RedisError, ValueError) as exc:  # the admin page must render even with Redis down
        return {"error": f"Redis unavailable: {exc}"}
    return {
        "live_state": with_times(poller.live_state),
        "last_poll": with_times(poller.last_poll),
        "last_ok_poll": with_times(poller.last_ok_poll),
        "breaker": poller.breaker,  # opened_at already a datetime
        "history": [with_times(entry | {"ok": not entry.get("errors")}) for entry in poller.history],
        "health": poller.health,  # the rule of /health/
    }
